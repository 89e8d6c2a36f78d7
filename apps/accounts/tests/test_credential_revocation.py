"""Tokens and other sessions end when the credentials behind them change (issue 15): password change,
reset, temporary password, turning two-factor off, losing a membership, and "sign out everywhere"."""

from django.test import Client as DjangoClient

from apps.accounts.mfa import mfa_disable
from apps.accounts.models import ApiToken, Membership
from apps.accounts.services import (
    membership_deactivate,
    membership_reactivate,
    user_password_set,
    user_temporary_password_set,
)
from conftest import TEST_PASSWORD

from .conftest import TEST_PASSWORD_NEW, fresh
from .signin_helpers import audit_actions, enrol

WHOAMI_URL = "/api/v1/auth/whoami/"


def _token(client, email, password=TEST_PASSWORD, **extra) -> str:
    response = client.post(
        "/api/v1/auth/token/", {"email": email, "password": password, **extra}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    return response.json()["token"]


def _works(tenant_world, raw: str) -> bool:
    client = DjangoClient(HTTP_HOST=tenant_world.domain, HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client.get(WHOAMI_URL).status_code == 200


def _signed_in(client) -> bool:
    return client.get(WHOAMI_URL).status_code == 200


def test_password_change_revokes_tokens_and_other_sessions_but_keeps_this_one(tenant_a, client_for):
    raw = _token(client_for(tenant_a), tenant_a.viewer.email)
    here, elsewhere = client_for(tenant_a, tenant_a.viewer), client_for(tenant_a, tenant_a.viewer)
    response = here.post(
        "/account/password/",
        {"old_password": TEST_PASSWORD, "new_password1": TEST_PASSWORD_NEW, "new_password2": TEST_PASSWORD_NEW},
    )
    assert response.status_code == 302
    assert not _works(tenant_a, raw)
    assert _signed_in(here) and not _signed_in(elsewhere)


def test_password_reset_revokes_tokens(tenant_a, client_for):
    raw = _token(client_for(tenant_a), tenant_a.viewer.email)
    user_password_set(user=fresh(tenant_a.viewer), password=TEST_PASSWORD_NEW, tenant=tenant_a.tenant, reason="reset")
    assert not _works(tenant_a, raw)
    assert ApiToken.objects.get(user=tenant_a.viewer).revoked_at is not None


def test_temporary_password_revokes_tokens_and_sessions(tenant_a, client_for):
    raw = _token(client_for(tenant_a), tenant_a.viewer.email)
    session = client_for(tenant_a, tenant_a.viewer)
    user_temporary_password_set(user=fresh(tenant_a.viewer), actor=None)
    assert not _works(tenant_a, raw)
    assert not _signed_in(session)


def test_turning_two_factor_off_revokes_tokens_and_other_sessions(tenant_a, client_for):
    user = tenant_a.viewer
    device, codes = enrol(user)
    raw = _token(client_for(tenant_a), user.email, otp=codes[0])
    elsewhere = client_for(tenant_a, user)
    here = client_for(tenant_a, user)
    session = here.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    response = here.post("/account/mfa/disable/", {"password": TEST_PASSWORD})
    assert response.status_code == 302
    assert not _works(tenant_a, raw)
    assert not _signed_in(elsewhere)
    assert _signed_in(here)


def test_mfa_disable_service_revokes_tokens(tenant_a, client_for):
    _device, codes = enrol(tenant_a.staff)
    raw = _token(client_for(tenant_a), tenant_a.staff.email, otp=codes[0])
    mfa_disable(user=fresh(tenant_a.staff), code=codes[1])
    assert not _works(tenant_a, raw)


def test_deactivated_membership_tokens_stay_dead_after_reactivation(tenant_a, tenant_b, client_for):
    Membership.objects.create(user=tenant_a.staff, tenant=tenant_b.tenant, role="viewer")
    raw = _token(client_for(tenant_a), tenant_a.staff.email)
    raw_b = _token(client_for(tenant_b), tenant_a.staff.email)
    membership = Membership.objects.get(user=tenant_a.staff, tenant=tenant_a.tenant)
    membership_deactivate(membership=membership, actor=tenant_a.owner)
    membership_reactivate(membership=membership, actor=tenant_a.owner)
    assert not _works(tenant_a, raw)
    assert _works(tenant_b, raw_b)  # only this tenant's tokens


def test_sign_out_everywhere_ends_other_sessions_and_tokens(tenant_a, client_for):
    raw = _token(client_for(tenant_a), tenant_a.viewer.email)
    here, elsewhere = client_for(tenant_a, tenant_a.viewer), client_for(tenant_a, tenant_a.viewer)
    assert "/account/sessions/revoke/" in here.get("/account/password/").text
    response = here.post("/account/sessions/revoke/")
    assert response.status_code == 302
    assert _signed_in(here) and not _signed_in(elsewhere)
    assert not _works(tenant_a, raw)
    assert [e.action for e in audit_actions(tenant_a.tenant, "user.sessions_revoke")] == ["user.sessions_revoke"]


def test_sign_out_everywhere_is_post_only_and_needs_a_session(tenant_a, client_for):
    assert client_for(tenant_a, tenant_a.viewer).get("/account/sessions/revoke/").status_code == 405
    assert client_for(tenant_a).post("/account/sessions/revoke/").status_code == 302  # to the login page


def _membership(tenant_world, user) -> Membership:
    return Membership.objects.get(user=user, tenant=tenant_world.tenant)


def test_admin_signs_a_member_out_of_this_tenant_only(tenant_a, tenant_b, client_for):
    Membership.objects.create(user=tenant_a.staff, tenant=tenant_b.tenant, role="viewer")
    raw_a = _token(client_for(tenant_a), tenant_a.staff.email)
    raw_b = _token(client_for(tenant_b), tenant_a.staff.email)
    on_a, on_b = client_for(tenant_a, tenant_a.staff), client_for(tenant_b, tenant_a.staff)
    admin = client_for(tenant_a, tenant_a.admin)
    member = _membership(tenant_a, tenant_a.staff)
    assert f"/members/{member.pk}/sign-out/" in admin.get(f"/members/{member.pk}/").text
    response = admin.post(f"/members/{member.pk}/sign-out/")
    assert response.status_code == 302
    assert not _signed_in(on_a) and not _works(tenant_a, raw_a)
    assert _signed_in(on_b) and _works(tenant_b, raw_b)  # another tenant's admin has no say there
    assert _signed_in(admin)
    fresh_session = client_for(tenant_a, tenant_a.staff)
    assert _signed_in(fresh_session)  # signing in again works
    (event,) = audit_actions(tenant_a.tenant, "membership.sign_out")
    assert event.actor_id == tenant_a.admin.pk


def test_only_admins_sign_members_out_and_only_owners_sign_owners_out(tenant_a, client_for):
    staff = _membership(tenant_a, tenant_a.staff)
    owner = _membership(tenant_a, tenant_a.owner)
    assert client_for(tenant_a, tenant_a.manager).post(f"/members/{staff.pk}/sign-out/").status_code == 403
    assert client_for(tenant_a, tenant_a.admin).post(f"/members/{owner.pk}/sign-out/").status_code == 403
    assert client_for(tenant_a, tenant_a.owner).post(f"/members/{owner.pk}/sign-out/").status_code == 302


def test_a_member_of_another_tenant_is_not_found(tenant_a, tenant_b, client_for):
    other = _membership(tenant_b, tenant_b.staff)
    response = client_for(tenant_a, tenant_a.admin).post(f"/members/{other.pk}/sign-out/")
    assert response.status_code == 404
    assert Membership.objects.get(pk=other.pk).sessions_revoked_at is None
