"""Accepting an invitation: once, before it expires; creates the account or adds the membership."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.accounts.models import Invitation, Membership, User
from apps.accounts.selectors import InvitationUnusable
from apps.accounts.services import invitation_accept, invitation_revoke, membership_ensure
from apps.audit.models import AuditEvent
from backend.exceptions import ApplicationError
from conftest import TEST_PASSWORD

from .conftest import TEST_PASSWORD_NEW


def _new_account(client, token, password=TEST_PASSWORD_NEW, repeat=None):
    return client.post(
        f"/invitations/{token}/",
        {"full_name": "Nora New", "password1": password, "password2": repeat or password},
    )


def test_new_person_accepts_and_becomes_a_member(tenant_a, client_for, invite):
    invitation, token = invite(tenant_a, "nora@example.test", role="manager")
    client = client_for(tenant_a)
    page = client.get(f"/invitations/{token}/")
    assert page.status_code == 200
    assert "nora@example.test" in page.text and "Manager" in page.text
    response = _new_account(client, token)
    assert response.status_code == 302
    assert response.url == "/"
    assert client.get("/").status_code == 200  # signed in straight away (issue 18), on this host only
    user = User.objects.get(email="nora@example.test")
    assert user.full_name == "Nora New"
    assert user.check_password(TEST_PASSWORD_NEW)
    assert Membership.objects.get(user=user, tenant=tenant_a.tenant).role == "manager"
    assert Invitation.objects.get(pk=invitation.pk).accepted_at is not None
    assert client_for(tenant_a, user).get("/").status_code == 200


def test_accept_is_audited(tenant_a, invite):
    invitation, token = invite(tenant_a, "nora@example.test")
    invitation_accept(token=token, password=TEST_PASSWORD_NEW)
    with tenant_context(tenant_a.tenant):
        event = AuditEvent.objects.get(action="invitation.accept")
    assert event.actor_email == "nora@example.test"
    assert event.object_id == str(invitation.pk)
    # The e-mail is sealed under the invitation's subject key (erasing the member makes it unreadable).
    assert event.changes["role"] == [None, "staff"] and "nora@example.test" not in str(event.changes)
    with tenant_context(tenant_a.tenant):
        assert "email: — → nora@example.test" in event.change_lines()


def test_existing_account_confirms_with_its_password(tenant_a, tenant_b, client_for, invite):
    _, token = invite(tenant_a, tenant_b.staff.email, role="viewer")
    client = client_for(tenant_a)
    page = client.get(f"/invitations/{token}/")
    assert "already have a ProjectMeats account" in page.text
    wrong = client.post(f"/invitations/{token}/", {"password": "not-it"})
    assert wrong.status_code == 400
    assert "not the password of this account" in wrong.text
    assert not Membership.objects.filter(user=tenant_b.staff, tenant=tenant_a.tenant).exists()
    assert client.post(f"/invitations/{token}/", {"password": TEST_PASSWORD}).status_code == 302
    assert Membership.objects.get(user=tenant_b.staff, tenant=tenant_a.tenant).role == "viewer"
    assert Membership.objects.get(user=tenant_b.staff, tenant=tenant_b.tenant).role == "staff"


def test_invitation_password_guesses_count_toward_the_lockout(tenant_a, tenant_b, client_for, invite):
    """Before: the page checked the password with check_password(), outside django-axes: unlimited guesses,
    and a locked-out account's password could still be confirmed."""
    _, token = invite(tenant_a, tenant_b.staff.email, role="viewer")
    client = client_for(tenant_a)
    for _ in range(5):
        client.post(f"/invitations/{token}/", {"password": "not-it"})
    right = client.post(f"/invitations/{token}/", {"password": TEST_PASSWORD})
    assert right.status_code in (400, 429)
    assert not Membership.objects.filter(user=tenant_b.staff, tenant=tenant_a.tenant).exists()
    login = client_for(tenant_a).post("/login/", {"email": tenant_b.staff.email, "password": TEST_PASSWORD})
    assert login.status_code == 429  # the same lock as the login page


def test_signed_in_existing_account_accepts_without_password(tenant_a, tenant_b, invite):
    _, token = invite(tenant_a, tenant_b.staff.email)
    membership = invitation_accept(token=token, user=tenant_b.staff)
    assert (membership.user, membership.tenant, membership.is_active) == (tenant_b.staff, tenant_a.tenant, True)


def test_signed_in_as_someone_else_is_refused(tenant_a, tenant_b, invite):
    _, token = invite(tenant_a, "nora@example.test")
    with pytest.raises(ApplicationError, match="sent to nora@example.test"):
        invitation_accept(token=token, user=tenant_b.staff)


def test_used_link_is_refused_with_a_clear_message(tenant_a, client_for, invite):
    _, token = invite(tenant_a, "nora@example.test")
    assert _new_account(client_for(tenant_a), token).status_code == 302
    again = client_for(tenant_a).get(f"/invitations/{token}/")
    assert again.status_code == 410
    assert "already been used" in again.text
    with pytest.raises(InvitationUnusable, match="already been used"):
        invitation_accept(token=token, password=TEST_PASSWORD_NEW)


def test_expired_link_is_refused_with_a_clear_message(tenant_a, client_for, invite):
    _, token = invite(tenant_a, "nora@example.test")
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        response = _new_account(client_for(tenant_a), token)
        assert response.status_code == 410
        assert "expired" in response.text
    assert not User.objects.filter(email="nora@example.test").exists()


def test_link_still_works_just_before_expiry(tenant_a, invite):
    _, token = invite(tenant_a, "nora@example.test")
    with time_machine.travel(timezone.now() + timedelta(days=6, hours=23)):
        assert invitation_accept(token=token, password=TEST_PASSWORD_NEW).role == "staff"


def test_revoked_link_is_refused_with_a_clear_message(tenant_a, client_for, invite):
    invitation, token = invite(tenant_a, "nora@example.test")
    invitation_revoke(invitation=invitation, actor=tenant_a.admin)
    response = client_for(tenant_a).get(f"/invitations/{token}/")
    assert response.status_code == 410
    assert "withdrawn" in response.text


def test_unknown_token_is_not_found(tenant_a, client_for):
    response = client_for(tenant_a).get("/invitations/made-up-token/")
    assert response.status_code == 404
    assert "not valid" in response.text


def test_link_works_only_on_the_inviting_tenants_host(tenant_a, tenant_b, client_for, invite):
    _, token = invite(tenant_a, "nora@example.test")
    assert client_for(tenant_b).get(f"/invitations/{token}/").status_code == 404
    assert _new_account(client_for(tenant_b), token).status_code == 404
    assert not User.objects.filter(email="nora@example.test").exists()


def test_weak_or_mismatched_password_is_a_field_error_and_keeps_the_link(tenant_a, client_for, invite):
    _, token = invite(tenant_a, "nora@example.test")
    client = client_for(tenant_a)
    weak = _new_account(client, token, password="short1")
    assert weak.status_code == 400
    assert "This password is too short" in weak.text
    mismatch = _new_account(client, token, repeat="something-else-2024x")
    assert mismatch.status_code == 400
    assert "The two passwords differ." in mismatch.text
    missing = client.post(f"/invitations/{token}/", {})
    assert missing.status_code == 400
    assert "This field is required." in missing.text
    assert not User.objects.filter(email="nora@example.test").exists()
    assert _new_account(client, token).status_code == 302


def test_accepting_when_already_a_member_is_refused(tenant_a, tenant_b, invite):
    _, token = invite(tenant_a, tenant_b.staff.email, role="admin")
    membership_ensure(user=tenant_b.staff, tenant=tenant_a.tenant, role="viewer")
    with pytest.raises(ApplicationError, match="already a member"):
        invitation_accept(token=token, user=tenant_b.staff)
    assert Membership.objects.get(user=tenant_b.staff, tenant=tenant_a.tenant).role == "viewer"
