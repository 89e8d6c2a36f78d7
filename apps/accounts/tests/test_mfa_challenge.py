"""Signing in with two-factor: the password step parks the user until a TOTP or backup code is given."""

import time

import pytest
import time_machine

from apps.accounts.models import Membership
from conftest import TEST_PASSWORD

from .signin_helpers import audit_actions, code_for, enrol, sign_in


@pytest.fixture
def enrolled(tenant_a):
    device, backup_codes = enrol(tenant_a.staff)
    return tenant_a.staff, device, backup_codes


def later(seconds=31):
    """A moment in a later TOTP time step (a code is accepted once per step) and past the throttle."""
    return time_machine.travel(time.time() + seconds)


def test_password_step_sends_enrolled_user_to_challenge_without_logging_in(tenant_a, client_for, enrolled):
    user, _, _ = enrolled
    client = client_for(tenant_a)
    response = sign_in(client, user.email)
    assert response["Location"] == "/login/verify/"
    assert client.session.get("_auth_user_id") is None
    # A half-signed-in visitor is anonymous everywhere else.
    assert client.get("/account/mfa/")["Location"].startswith("/login/")
    assert client.get("/api/v1/auth/whoami/").status_code == 401
    page = client.get("/login/verify/")
    assert page.status_code == 200 and user.email in page.content.decode()


def test_wrong_code_is_a_form_error_and_right_code_signs_in(tenant_a, client_for, enrolled):
    user, device, _ = enrolled
    client = client_for(tenant_a)
    sign_in(client, user.email)
    with later(31):
        response = client.post("/login/verify/", {"code": "123456" if code_for(device) != "123456" else "654321"})
        assert response.status_code == 200
        assert "That code is not valid." in response.content.decode()
        assert client.session.get("_auth_user_id") is None
    with later(62):
        response = client.post("/login/verify/", {"code": code_for(device)})
        assert response["Location"] == "/"
        assert client.session.get("_auth_user_id") == str(user.pk)
        assert client.get("/").status_code == 200


def test_code_keeps_next_url_and_remember_me(tenant_a, client_for, enrolled):
    user, device, _ = enrolled
    client = client_for(tenant_a)
    client.post("/login/?next=/account/mfa/", {"email": user.email, "password": TEST_PASSWORD, "remember": "on"})
    with later():
        assert client.post("/login/verify/", {"code": code_for(device)})["Location"] == "/account/mfa/"
    assert not client.session.get_expire_at_browser_close()


def test_backup_code_works_once(tenant_a, client_for, enrolled):
    user, _, backup_codes = enrolled
    client = client_for(tenant_a)
    sign_in(client, user.email)
    assert client.post("/login/verify/", {"code": backup_codes[0].upper()})["Location"] == "/"
    client.post("/logout/")

    again = client_for(tenant_a)
    sign_in(again, user.email)
    with later(5):
        response = again.post("/login/verify/", {"code": backup_codes[0]})
    assert response.status_code == 200
    assert again.session.get("_auth_user_id") is None
    with later(10):
        assert again.post("/login/verify/", {"code": backup_codes[1]})["Location"] == "/"


def test_a_totp_code_cannot_be_replayed(tenant_a, client_for, enrolled):
    user, device, _ = enrolled
    with later():
        code = code_for(device)
        first = client_for(tenant_a)
        sign_in(first, user.email)
        assert first.post("/login/verify/", {"code": code})["Location"] == "/"
        second = client_for(tenant_a)
        sign_in(second, user.email)
    with later(33):
        assert second.post("/login/verify/", {"code": code}).status_code == 200
    assert second.session.get("_auth_user_id") is None


def test_challenge_without_password_step_goes_back_to_login(tenant_a, client_for):
    assert client_for(tenant_a).get("/login/verify/")["Location"] == "/login/"


def test_challenge_expires_after_five_minutes(tenant_a, client_for, enrolled):
    user, device, _ = enrolled
    client = client_for(tenant_a)
    sign_in(client, user.email)
    with later(6 * 60):
        assert client.post("/login/verify/", {"code": code_for(device)})["Location"] == "/login/"
    assert client.session.get("_auth_user_id") is None


def test_five_wrong_codes_end_the_attempt(tenant_a, client_for, enrolled):
    user, device, _ = enrolled
    client = client_for(tenant_a)
    sign_in(client, user.email)
    responses = []
    for attempt in range(5):
        with later(31 + attempt * 20):  # past the back-off, within the five minutes
            responses.append(client.post("/login/verify/", {"code": "zzzzzzzz"}))
    assert [r.status_code for r in responses] == [200] * 4 + [302]
    with later(150):
        assert client.post("/login/verify/", {"code": code_for(device)})["Location"] == "/login/"


@pytest.mark.parametrize("code", ["", "x" * 17])
def test_malformed_code_is_a_form_error(tenant_a, client_for, enrolled, code):
    user, _, _ = enrolled
    client = client_for(tenant_a)
    sign_in(client, user.email)
    response = client.post("/login/verify/", {"code": code})
    assert response.status_code == 200
    assert response.context["form"].errors["code"]


def test_mfa_sign_in_and_wrong_code_are_audited(tenant_a, client_for, enrolled):
    user, device, _ = enrolled
    client = client_for(tenant_a)
    sign_in(client, user.email)
    with later(31):
        client.post("/login/verify/", {"code": "zzzzzzzz"})
    with later(62):
        client.post("/login/verify/", {"code": code_for(device)})
    assert [e.changes for e in audit_actions(tenant_a.tenant, "auth.login")] == [{"method": "password+otp"}]
    assert [e.changes["reason"] for e in audit_actions(tenant_a.tenant, "auth.login_failed")] == ["bad_otp"]


def test_unverified_session_of_enrolled_user_is_held_at_the_challenge(tenant_a, enrolled, client_for):
    """A session opened without the code (e.g. by another sign-in path) reaches nothing but the challenge."""
    user, device, _ = enrolled
    client = client_for(tenant_a, user)  # signed in and bound to the tenant, but not OTP-verified
    assert client.get("/")["Location"] == "/login/verify/"
    assert client.get("/settings/security/")["Location"] == "/login/verify/"
    assert client.get("/account/mfa/")["Location"] == "/login/verify/"
    api = client.get("/api/v1/auth/whoami/")
    assert api.status_code == 403 and "two-factor" in api.json()["detail"]
    with later():
        assert client.post("/login/verify/", {"code": code_for(device)})["Location"] == "/"
    assert client.get("/").status_code == 200


def test_membership_ended_between_password_and_code_refuses_the_code(tenant_a, client_for, enrolled):
    user, device, _ = enrolled
    client = client_for(tenant_a)
    sign_in(client, user.email)
    Membership.objects.filter(user=user, tenant=tenant_a.tenant).update(is_active=False)
    with later():
        assert client.post("/login/verify/", {"code": code_for(device)})["Location"] == "/login/"
    assert client.session.get("_auth_user_id") is None
