"""`/members/`: admins and owners see their tenant's members and pending invitations, in bounded queries."""

import pytest

from apps.accounts.services import membership_ensure, user_ensure


@pytest.mark.parametrize("role", ["admin", "owner"])
def test_admin_and_owner_see_members_roles_and_pending_invitations(tenant_a, client_for, invite, role):
    invite(tenant_a, "pending@example.test", role="viewer")
    response = client_for(tenant_a, tenant_a.user(role)).get("/members/")
    assert response.status_code == 200
    for member_role in ("owner", "admin", "manager", "staff", "viewer"):
        assert f"{member_role}@alpha.test" in response.text
    assert "pending@example.test" in response.text
    assert "Deactivated" not in response.text


def test_list_shows_deactivated_members_as_such(tenant_a, client_for):
    from apps.accounts.models import Membership

    Membership.objects.filter(user=tenant_a.viewer, tenant=tenant_a.tenant).update(is_active=False)
    assert "Deactivated" in client_for(tenant_a, tenant_a.admin).get("/members/").text


def test_list_never_shows_another_tenants_people(tenant_a, tenant_b, client_for, invite):
    invite(tenant_b, "beta-pending@example.test")
    response = client_for(tenant_a, tenant_a.owner).get("/members/")
    assert "@beta.test" not in response.text
    assert "beta-pending@example.test" not in response.text


@pytest.mark.parametrize("role", ["manager", "staff", "viewer"])
def test_roles_below_admin_are_refused(tenant_a, client_for, role):
    assert client_for(tenant_a, tenant_a.user(role)).get("/members/").status_code == 403


def test_outsider_and_other_tenants_owner_are_refused(tenant_a, tenant_b, outsider, client_for):
    assert client_for(tenant_a, outsider).get("/members/").status_code == 403
    assert client_for(tenant_a, tenant_b.owner).get("/members/").status_code == 403


def test_query_count_does_not_grow_with_members_or_invitations(
    tenant_a, client_for, invite, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.tenants.models import Client

    # More members than any plan's default limit: lift the quota for this tenant (apps.tenants.plans).
    Client.objects.filter(pk=tenant_a.tenant.pk).update(quota_overrides={"max_members": None})
    client = client_for(tenant_a, tenant_a.admin)
    invite(tenant_a, "first-pending@example.test")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/members/").status_code == 200
    for number in range(25):
        user = user_ensure(email=f"extra{number}@example.test")
        membership_ensure(user=user, tenant=tenant_a.tenant, role="staff")
        invite(tenant_a, f"pending{number}@example.test")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/members/")
    assert "extra24@example.test" in response.text
    assert "pending24@example.test" in response.text
