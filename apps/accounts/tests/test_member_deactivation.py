"""Deactivating and reactivating members: admins and owners, never the last owner, never yourself."""

import pytest
from django_tenants.utils import tenant_context

from apps.accounts.models import Membership
from apps.accounts.permissions import CapabilityDenied
from apps.accounts.services import membership_change_role, membership_deactivate, membership_reactivate
from apps.audit.models import AuditEvent
from backend.exceptions import ApplicationError


def _membership(tenant_world, role: str) -> Membership:
    return Membership.objects.get(user=tenant_world.user(role), tenant=tenant_world.tenant)


def test_admin_deactivates_a_member_who_then_loses_access(tenant_a, client_for):
    staff_client = client_for(tenant_a, tenant_a.staff)
    assert staff_client.get("/").status_code == 200
    membership_deactivate(membership=_membership(tenant_a, "staff"), actor=tenant_a.admin)
    assert _membership(tenant_a, "staff").is_active is False
    assert staff_client.get("/").status_code == 403
    with tenant_context(tenant_a.tenant):
        event = AuditEvent.objects.get(action="membership.deactivate")
    assert event.actor_email == "admin@alpha.test"
    assert event.changes == {"is_active": [True, False]}


def test_reactivation_restores_access_and_is_audited(tenant_a, client_for):
    membership_deactivate(membership=_membership(tenant_a, "staff"), actor=tenant_a.admin)
    membership_reactivate(membership=_membership(tenant_a, "staff"), actor=tenant_a.admin)
    assert client_for(tenant_a, tenant_a.staff).get("/").status_code == 200
    with tenant_context(tenant_a.tenant):
        assert AuditEvent.objects.filter(action="membership.reactivate").count() == 1


@pytest.mark.parametrize("actor", ["manager", "staff", "viewer"])
def test_roles_below_admin_cannot_deactivate(tenant_a, actor):
    with pytest.raises(CapabilityDenied):
        membership_deactivate(membership=_membership(tenant_a, "viewer"), actor=tenant_a.user(actor))


def test_admin_cannot_deactivate_an_owner(tenant_a):
    with pytest.raises(CapabilityDenied):
        membership_deactivate(membership=_membership(tenant_a, "owner"), actor=tenant_a.admin)


def test_last_owner_can_never_be_deactivated(tenant_a):
    with pytest.raises(ApplicationError) as refused:
        membership_deactivate(membership=_membership(tenant_a, "owner"), actor=tenant_a.owner)
    assert refused.value.code == "last_owner"
    assert _membership(tenant_a, "owner").is_active


def test_one_of_two_owners_may_deactivate_the_other(tenant_a):
    membership_change_role(membership=_membership(tenant_a, "admin"), role="owner", actor=tenant_a.owner)
    membership_deactivate(membership=_membership(tenant_a, "owner"), actor=tenant_a.admin)
    assert not _membership(tenant_a, "owner").is_active
    with pytest.raises(ApplicationError, match="last active owner"):
        membership_deactivate(membership=_membership(tenant_a, "admin"), actor=tenant_a.admin)


def test_nobody_deactivates_themselves(tenant_a):
    membership_change_role(membership=_membership(tenant_a, "admin"), role="owner", actor=tenant_a.owner)
    with pytest.raises(ApplicationError, match="your own membership"):
        membership_deactivate(membership=_membership(tenant_a, "admin"), actor=tenant_a.admin)


def test_deactivating_twice_is_a_clear_error(tenant_a):
    membership_deactivate(membership=_membership(tenant_a, "viewer"), actor=tenant_a.admin)
    with pytest.raises(ApplicationError, match="already deactivated"):
        membership_deactivate(membership=_membership(tenant_a, "viewer"), actor=tenant_a.admin)


# --- pages ---------------------------------------------------------------------------------


def test_deactivate_page_confirms_before_acting(tenant_a, client_for):
    membership = _membership(tenant_a, "viewer")
    client = client_for(tenant_a, tenant_a.admin)
    confirm = client.get(f"/members/{membership.pk}/deactivate/")
    assert confirm.status_code == 200
    assert "will lose access" in confirm.text
    assert _membership(tenant_a, "viewer").is_active
    assert client.post(f"/members/{membership.pk}/deactivate/").status_code == 302
    assert not _membership(tenant_a, "viewer").is_active
    assert client.post(f"/members/{membership.pk}/reactivate/").status_code == 302
    assert _membership(tenant_a, "viewer").is_active


def test_last_owner_deactivation_page_shows_the_reason(tenant_a, client_for):
    membership = _membership(tenant_a, "owner")
    client = client_for(tenant_a, tenant_a.owner)
    response = client.post(f"/members/{membership.pk}/deactivate/", follow=True)
    assert "last active owner" in response.text
    assert _membership(tenant_a, "owner").is_active


@pytest.mark.parametrize("actor", ["manager", "staff", "viewer"])
def test_deactivate_page_is_refused_below_admin(tenant_a, client_for, actor):
    membership = _membership(tenant_a, "owner")
    assert client_for(tenant_a, tenant_a.user(actor)).post(f"/members/{membership.pk}/deactivate/").status_code == 403
    assert _membership(tenant_a, "owner").is_active


def test_other_tenants_member_cannot_be_deactivated(tenant_a, tenant_b, client_for):
    membership = _membership(tenant_b, "viewer")
    client = client_for(tenant_a, tenant_a.owner)
    assert client.get(f"/members/{membership.pk}/deactivate/").status_code == 404
    assert client.post(f"/members/{membership.pk}/deactivate/").status_code == 404
    assert _membership(tenant_b, "viewer").is_active
