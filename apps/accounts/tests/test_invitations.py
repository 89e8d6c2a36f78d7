"""Admins invite people by e-mail with a role; the link is mailed from the tenant's domain and stored hashed."""

import hashlib
from datetime import timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.accounts.models import Invitation, Membership
from apps.accounts.permissions import CapabilityDenied
from apps.accounts.services import invitation_create, invitation_revoke
from apps.audit.models import AuditEvent
from backend.exceptions import ApplicationError

from .conftest import link_in_last_mail


def test_admin_invites_and_only_the_token_hash_is_stored(tenant_a, invite):
    invitation, token = invite(tenant_a, "New.Person@Example.test", role="manager")
    assert mail.outbox[0].to == ["new.person@example.test"]
    assert "Alpha Meats" in mail.outbox[0].subject
    assert link_in_last_mail() == f"http://alpha.localhost/invitations/{token}/"
    stored = Invitation.objects.get(pk=invitation.pk)
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(Invitation.objects.filter(pk=invitation.pk).values().get())
    assert (stored.email, stored.role, stored.invited_by) == ("new.person@example.test", "manager", tenant_a.admin)
    assert timedelta(days=6, hours=23) < stored.expires_at - timezone.now() <= timedelta(days=7)


def test_invitation_create_is_audited_in_the_tenants_log(tenant_a, tenant_b, invite):
    invitation, _ = invite(tenant_a, "new@example.test")
    with tenant_context(tenant_a.tenant):
        event = AuditEvent.objects.get(action="invitation.create")
    assert event.actor_email == "admin@alpha.test"
    assert event.object_id == str(invitation.pk)
    # The e-mail is sealed under the invitation's subject key (erasing the member makes it unreadable).
    assert event.changes["role"] == [None, "staff"] and "new@example.test" not in str(event.changes)
    with tenant_context(tenant_a.tenant):
        assert "email: — → new@example.test" in event.change_lines()
    with tenant_context(tenant_b.tenant):
        assert not AuditEvent.objects.filter(action="invitation.create").exists()


@override_settings(INVITATION_TTL_DAYS=2)
def test_lifetime_follows_the_setting(tenant_a, invite):
    invitation, _ = invite(tenant_a, "new@example.test")
    assert invitation.expires_at - timezone.now() <= timedelta(days=2)


@pytest.mark.parametrize("role", ["manager", "staff", "viewer"])
def test_roles_below_admin_cannot_invite(tenant_a, role):
    with pytest.raises(CapabilityDenied):
        invitation_create(tenant=tenant_a.tenant, email="x@example.test", role="viewer", invited_by=tenant_a.user(role))
    assert mail.outbox == []


def test_member_of_another_tenant_cannot_invite_here(tenant_a, tenant_b):
    with pytest.raises(CapabilityDenied):
        invitation_create(tenant=tenant_a.tenant, email="x@example.test", role="viewer", invited_by=tenant_b.owner)


def test_only_owners_invite_owners(tenant_a, invite):
    with pytest.raises(CapabilityDenied):
        invitation_create(tenant=tenant_a.tenant, email="x@example.test", role="owner", invited_by=tenant_a.admin)
    invitation, _ = invite(tenant_a, "x@example.test", role="owner", by=tenant_a.owner)
    assert invitation.role == "owner"


@pytest.mark.parametrize(
    ("email", "role", "field"),
    [("not-an-address", "staff", "email"), ("", "staff", "email"), ("x@example.test", "superhero", "role")],
)
def test_bad_input_is_a_field_error(tenant_a, email, role, field):
    with pytest.raises(ApplicationError) as refused:
        invitation_create(tenant=tenant_a.tenant, email=email, role=role, invited_by=tenant_a.admin)
    assert refused.value.field == field


def test_active_or_deactivated_members_are_not_invited(tenant_a):
    with pytest.raises(ApplicationError, match="already a member"):
        invitation_create(tenant=tenant_a.tenant, email="STAFF@alpha.test", role="admin", invited_by=tenant_a.admin)
    Membership.objects.filter(user=tenant_a.staff, tenant=tenant_a.tenant).update(is_active=False)
    with pytest.raises(ApplicationError, match="reactivate"):
        invitation_create(tenant=tenant_a.tenant, email="staff@alpha.test", role="admin", invited_by=tenant_a.admin)


def test_member_of_another_tenant_can_be_invited(tenant_a, tenant_b, invite):
    invitation, _ = invite(tenant_a, tenant_b.staff.email)
    assert invitation.pk


def test_a_new_invitation_replaces_the_pending_one(tenant_a, invite):
    first, _ = invite(tenant_a, "new@example.test")
    second, _ = invite(tenant_a, "new@example.test", role="viewer")
    assert Invitation.objects.get(pk=first.pk).revoked_at is not None
    assert Invitation.objects.get(pk=second.pk).revoked_at is None
    with tenant_context(tenant_a.tenant):
        assert AuditEvent.objects.filter(action="invitation.revoke", object_id=str(first.pk)).count() == 1


def test_revoke_is_audited_and_refused_twice(tenant_a, invite):
    invitation, _ = invite(tenant_a, "new@example.test")
    invitation_revoke(invitation=invitation, actor=tenant_a.owner)
    with tenant_context(tenant_a.tenant):
        assert AuditEvent.objects.filter(action="invitation.revoke", actor_email="owner@alpha.test").count() == 1
    with pytest.raises(ApplicationError, match="already revoked"):
        invitation_revoke(invitation=invitation, actor=tenant_a.owner)


def test_viewer_cannot_revoke(tenant_a, invite):
    invitation, _ = invite(tenant_a, "new@example.test")
    with pytest.raises(CapabilityDenied):
        invitation_revoke(invitation=invitation, actor=tenant_a.viewer)


# --- pages ---------------------------------------------------------------------------------


def test_admin_invites_through_the_page(tenant_a, client_for):
    client = client_for(tenant_a, tenant_a.admin)
    form = client.get("/members/invite/")
    assert form.status_code == 200
    assert 'value="owner"' not in form.text  # admins are not offered the owner role
    response = client.post("/members/invite/", {"email": "new@example.test", "role": "staff"})
    assert response.status_code == 302
    assert response.url == "/members/"
    assert Invitation.objects.filter(tenant=tenant_a.tenant, email="new@example.test").exists()
    assert len(mail.outbox) == 1


def test_owner_is_offered_the_owner_role(tenant_a, client_for):
    assert 'value="owner"' in client_for(tenant_a, tenant_a.owner).get("/members/invite/").text


def test_invite_page_shows_field_errors(tenant_a, client_for):
    client = client_for(tenant_a, tenant_a.admin)
    response = client.post("/members/invite/", {"email": "nope", "role": "staff"})
    assert response.status_code == 400
    assert "Enter a valid email address." in response.text
    response = client.post("/members/invite/", {"email": "viewer@alpha.test", "role": "staff"})
    assert response.status_code == 400
    assert "already a member" in response.text
    response = client.post("/members/invite/", {"email": "x@example.test", "role": "owner"})
    assert response.status_code == 400
    assert mail.outbox == []


@pytest.mark.parametrize("role", ["manager", "staff", "viewer"])
def test_invite_page_is_refused_below_admin(tenant_a, client_for, role):
    client = client_for(tenant_a, tenant_a.user(role))
    assert client.get("/members/invite/").status_code == 403
    assert client.post("/members/invite/", {"email": "x@example.test", "role": "staff"}).status_code == 403
    assert mail.outbox == []


def test_revoke_page_asks_then_revokes(tenant_a, client_for, invite):
    invitation, _ = invite(tenant_a, "new@example.test")
    client = client_for(tenant_a, tenant_a.admin)
    confirm = client.get(f"/members/invitations/{invitation.pk}/revoke/")
    assert confirm.status_code == 200
    assert Invitation.objects.get(pk=invitation.pk).revoked_at is None
    assert client.post(f"/members/invitations/{invitation.pk}/revoke/").status_code == 302
    assert Invitation.objects.get(pk=invitation.pk).revoked_at is not None


def test_other_tenants_invitation_is_not_found(tenant_a, tenant_b, client_for, invite):
    invitation, _ = invite(tenant_b, "new@example.test")
    client = client_for(tenant_a, tenant_a.owner)
    assert client.get(f"/members/invitations/{invitation.pk}/revoke/").status_code == 404
    assert client.post(f"/members/invitations/{invitation.pk}/revoke/").status_code == 404
    assert client.post("/members/invitations/999999999/revoke/").status_code == 404
    assert Invitation.objects.get(pk=invitation.pk).revoked_at is None
