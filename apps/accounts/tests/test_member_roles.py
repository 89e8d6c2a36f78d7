"""Changing a member's role: admins and owners only; only owners touch the owner role; the last owner stays."""

import pytest
from django.http import Http404
from django_tenants.utils import tenant_context

from apps.accounts.models import Membership
from apps.accounts.permissions import CapabilityDenied
from apps.accounts.selectors import get_membership_for_user
from apps.accounts.services import membership_change_role, membership_ensure
from apps.audit.models import AuditEvent
from backend.exceptions import ApplicationError


def _membership(tenant_world, role: str) -> Membership:
    return Membership.objects.get(user=tenant_world.user(role), tenant=tenant_world.tenant)


@pytest.mark.parametrize("actor", ["manager", "staff", "viewer"])
def test_roles_below_admin_cannot_change_roles(tenant_a, actor):
    with pytest.raises(CapabilityDenied):
        membership_change_role(membership=_membership(tenant_a, "viewer"), role="staff", actor=tenant_a.user(actor))
    assert _membership(tenant_a, "viewer").role == "viewer"


@pytest.mark.parametrize("actor", ["admin", "owner"])
def test_admin_and_owner_change_roles_and_it_is_audited(tenant_a, actor):
    membership = membership_change_role(
        membership=_membership(tenant_a, "staff"), role="manager", actor=tenant_a.user(actor)
    )
    assert _membership(tenant_a, "staff").role == "manager"
    with tenant_context(tenant_a.tenant):
        event = AuditEvent.objects.get(action="membership.role_change")
    assert event.changes == {"role": ["staff", "manager"]}
    assert event.actor_email == f"{actor}@alpha.test"
    assert (event.object_type, event.object_id) == ("accounts.membership", str(membership.pk))


def test_admin_cannot_grant_the_owner_role(tenant_a):
    with pytest.raises(CapabilityDenied):
        membership_change_role(membership=_membership(tenant_a, "manager"), role="owner", actor=tenant_a.admin)


def test_admin_cannot_demote_an_owner(tenant_a):
    with pytest.raises(CapabilityDenied):
        membership_change_role(membership=_membership(tenant_a, "owner"), role="viewer", actor=tenant_a.admin)


def test_owner_grants_owner_and_can_then_step_down(tenant_a):
    membership_change_role(membership=_membership(tenant_a, "admin"), role="owner", actor=tenant_a.owner)
    membership_change_role(membership=_membership(tenant_a, "owner"), role="admin", actor=tenant_a.owner)
    assert list(
        Membership.objects.filter(tenant=tenant_a.tenant, role="owner").values_list("user__email", flat=True)
    ) == ["admin@alpha.test"]


def test_last_owner_cannot_be_demoted(tenant_a):
    with pytest.raises(ApplicationError) as refused:
        membership_change_role(membership=_membership(tenant_a, "owner"), role="admin", actor=tenant_a.owner)
    assert refused.value.code == "last_owner"
    assert _membership(tenant_a, "owner").role == "owner"
    with tenant_context(tenant_a.tenant):
        assert not AuditEvent.objects.filter(action="membership.role_change").exists()


def test_an_inactive_second_owner_does_not_count(tenant_a):
    membership_change_role(membership=_membership(tenant_a, "admin"), role="owner", actor=tenant_a.owner)
    Membership.objects.filter(user=tenant_a.admin, tenant=tenant_a.tenant).update(is_active=False)
    with pytest.raises(ApplicationError, match="last active owner"):
        membership_change_role(membership=_membership(tenant_a, "owner"), role="admin", actor=tenant_a.owner)


def test_unknown_role_is_a_field_error(tenant_a):
    with pytest.raises(ApplicationError) as refused:
        membership_change_role(membership=_membership(tenant_a, "staff"), role="emperor", actor=tenant_a.owner)
    assert refused.value.field == "role"


def test_other_tenants_membership_is_not_found(tenant_a, tenant_b):
    with pytest.raises(Http404):
        get_membership_for_user(
            user=tenant_a.owner, membership_id=_membership(tenant_b, "staff").pk, tenant=tenant_a.tenant
        )


def test_admin_of_beta_cannot_change_alpha_roles(tenant_a, tenant_b):
    membership_ensure(user=tenant_b.admin, tenant=tenant_a.tenant, role="viewer")
    with pytest.raises(CapabilityDenied):
        membership_change_role(membership=_membership(tenant_a, "staff"), role="admin", actor=tenant_b.admin)


# --- pages ---------------------------------------------------------------------------------


def test_admin_changes_a_role_through_the_page(tenant_a, client_for):
    membership = _membership(tenant_a, "viewer")
    client = client_for(tenant_a, tenant_a.admin)
    page = client.get(f"/members/{membership.pk}/")
    assert page.status_code == 200
    assert "viewer@alpha.test" in page.text
    response = client.post(f"/members/{membership.pk}/role/", {"role": "staff"})
    assert response.status_code == 302
    assert _membership(tenant_a, "viewer").role == "staff"


def test_last_owner_demotion_shows_a_clear_error(tenant_a, client_for):
    membership = _membership(tenant_a, "owner")
    response = client_for(tenant_a, tenant_a.owner).post(f"/members/{membership.pk}/role/", {"role": "admin"})
    assert response.status_code == 400
    assert "last active owner" in response.text


def test_admin_demoting_owner_through_the_page_is_refused(tenant_a, client_for):
    membership = _membership(tenant_a, "owner")
    response = client_for(tenant_a, tenant_a.admin).post(f"/members/{membership.pk}/role/", {"role": "owner"})
    assert response.status_code == 403
    assert _membership(tenant_a, "owner").role == "owner"


def test_invalid_role_on_the_page_is_a_form_error(tenant_a, client_for):
    membership = _membership(tenant_a, "viewer")
    response = client_for(tenant_a, tenant_a.owner).post(f"/members/{membership.pk}/role/", {"role": "emperor"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.text


@pytest.mark.parametrize("actor", ["manager", "staff", "viewer"])
def test_role_pages_are_refused_below_admin(tenant_a, client_for, actor):
    membership = _membership(tenant_a, "viewer")
    client = client_for(tenant_a, tenant_a.user(actor))
    assert client.get(f"/members/{membership.pk}/").status_code == 403
    assert client.post(f"/members/{membership.pk}/role/", {"role": "admin"}).status_code == 403
    assert _membership(tenant_a, "viewer").role == "viewer"


@pytest.mark.parametrize("membership_id", ["other-tenant", 999999999, 10**30])
def test_unknown_or_other_tenants_membership_page_is_404(tenant_a, tenant_b, client_for, membership_id):
    if membership_id == "other-tenant":
        membership_id = _membership(tenant_b, "viewer").pk
    client = client_for(tenant_a, tenant_a.owner)
    assert client.get(f"/members/{membership_id}/").status_code == 404
    assert client.post(f"/members/{membership_id}/role/", {"role": "admin"}).status_code == 404
    assert _membership(tenant_b, "viewer").role == "viewer"
