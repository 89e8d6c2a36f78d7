"""Enrolling in TOTP two-factor from /account/mfa/: QR code, confirmation, backup codes, turning it off."""

import time

import time_machine
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.mfa import mfa_enrolled
from conftest import TEST_PASSWORD

from .signin_helpers import audit_actions, code_for, enrol, sign_in


def _start(client):
    response = client.post("/account/mfa/")
    assert response.status_code == 302 and response["Location"] == "/account/mfa/enrol/"
    return client.get("/account/mfa/enrol/")


def test_enrolment_pages_need_a_signed_in_member(tenant_a, client_for):
    response = client_for(tenant_a).get("/account/mfa/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_enrolment_shows_inline_qr_code_and_secret(tenant_a, client_for):
    client = client_for(tenant_a, tenant_a.staff)
    assert "Off." in client.get("/account/mfa/").content.decode()
    body = _start(client).content.decode()
    device = TOTPDevice.objects.get(user=tenant_a.staff)
    assert not device.confirmed
    assert '<div class="qr"' in body and "<svg" in body and "<path" in body
    assert "<img" not in body and "https://" not in body.split('<div class="qr"')[1].split("</div>")[0]
    secret = body.split('<code class="secret">')[1].split("</code>")[0]
    assert len(secret.replace(" ", "")) == 32


def test_wrong_code_does_not_turn_mfa_on(tenant_a, client_for):
    client = client_for(tenant_a, tenant_a.staff)
    _start(client)
    response = client.post("/account/mfa/enrol/", {"code": "000000"})
    assert response.status_code == 200
    assert "That code is not valid" in response.content.decode()
    assert not mfa_enrolled(user=tenant_a.staff)


def test_right_code_turns_mfa_on_and_shows_backup_codes_once(tenant_a, client_for):
    client = client_for(tenant_a, tenant_a.staff)
    _start(client)
    device = TOTPDevice.objects.get(user=tenant_a.staff)
    response = client.post("/account/mfa/enrol/", {"code": code_for(device)})
    assert response["Location"] == "/account/mfa/backup-codes/"
    assert mfa_enrolled(user=tenant_a.staff)

    page = client.get("/account/mfa/backup-codes/")
    codes = list(page.context["codes"])
    assert len(codes) == 10 == StaticToken.objects.filter(device__user=tenant_a.staff).count()
    assert all(code in page.content.decode() for code in codes)
    assert client.get("/account/mfa/backup-codes/")["Location"] == "/account/mfa/"
    # The session that enrolled counts as verified: the user is not sent to the challenge.
    assert client.get("/").status_code == 200
    assert "10 unused backup codes" in client.get("/account/mfa/").content.decode()


def test_enrolment_is_audited(tenant_a, client_for):
    client = client_for(tenant_a, tenant_a.staff)
    _start(client)
    client.post("/account/mfa/enrol/", {"code": code_for(TOTPDevice.objects.get(user=tenant_a.staff))})
    assert [e.actor_email for e in audit_actions(tenant_a.tenant, "mfa.enable")] == [tenant_a.staff.email]


def test_enrolment_of_one_user_does_not_touch_another(tenant_a, client_for):
    enrol(tenant_a.viewer)
    client = client_for(tenant_a, tenant_a.staff)
    assert "Off." in client.get("/account/mfa/").content.decode()
    assert client.get("/account/mfa/enrol/")["Location"] == "/account/mfa/"


def _signed_in_enrolled(client, user, device):
    sign_in(client, user.email)
    with time_machine.travel(time.time() + 31):
        assert client.post("/login/verify/", {"code": code_for(device)})["Location"] == "/"


def test_disable_with_password(tenant_a, client_for):
    device, _ = enrol(tenant_a.staff)
    client = client_for(tenant_a)
    _signed_in_enrolled(client, tenant_a.staff, device)
    with time_machine.travel(time.time() + 32):
        response = client.post("/account/mfa/disable/", {"password": TEST_PASSWORD})
        assert response["Location"] == "/account/mfa/"
        assert not mfa_enrolled(user=tenant_a.staff)
        assert not StaticToken.objects.filter(device__user=tenant_a.staff).exists()
        assert client.get("/").status_code == 200
    assert [e.actor_email for e in audit_actions(tenant_a.tenant, "mfa.disable")] == [tenant_a.staff.email]


def test_disable_with_current_code(tenant_a, client_for):
    device, _ = enrol(tenant_a.staff)
    client = client_for(tenant_a)
    _signed_in_enrolled(client, tenant_a.staff, device)
    with time_machine.travel(time.time() + 62):
        assert client.post("/account/mfa/disable/", {"code": code_for(device)})["Location"] == "/account/mfa/"
    assert not mfa_enrolled(user=tenant_a.staff)


def test_disable_refused_without_proof(tenant_a, client_for):
    device, _ = enrol(tenant_a.staff)
    client = client_for(tenant_a)
    _signed_in_enrolled(client, tenant_a.staff, device)
    with time_machine.travel(time.time() + 40):
        empty = client.post("/account/mfa/disable/", {})
        wrong = client.post("/account/mfa/disable/", {"password": "not-my-password"})
    assert empty.status_code == wrong.status_code == 400
    assert "Enter a current code or your password" in wrong.content.decode()
    assert mfa_enrolled(user=tenant_a.staff)
    assert audit_actions(tenant_a.tenant, "mfa.disable") == []


def test_pages_carry_a_content_security_policy_with_style_nonce(tenant_a, client_for):
    client = client_for(tenant_a, tenant_a.staff)
    response = client.get("/account/mfa/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "default-src 'self'" in policy
    assert "unsafe-inline" not in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'<style nonce="{nonce}">' in response.content.decode()


def test_a_locked_out_account_cannot_confirm_its_password_to_turn_two_factor_off(tenant_a, client_for):
    """Before: the password was checked with check_password(), outside django-axes: once the account was
    locked out (5 wrong passwords), its right password still turned two-factor off, and wrong ones here
    were never counted. Now it goes through authenticate() like the login page."""
    device, _ = enrol(tenant_a.staff)
    client = client_for(tenant_a)
    _signed_in_enrolled(client, tenant_a.staff, device)
    attacker = client_for(tenant_a)
    with time_machine.travel(time.time() + 61):  # past the per-IP sign-in window the sign-in above used
        for _ in range(5):
            attacker.post("/login/", {"email": tenant_a.staff.email, "password": "wrong-guess"})
        response = client.post("/account/mfa/disable/", {"password": TEST_PASSWORD})
    assert response.status_code == 429
    assert mfa_enrolled(user=tenant_a.staff)
    assert audit_actions(tenant_a.tenant, "mfa.disable") == []


def test_wrong_passwords_to_turn_two_factor_off_count_towards_the_lockout(tenant_a, client_for):
    device, _ = enrol(tenant_a.staff)
    client = client_for(tenant_a)
    _signed_in_enrolled(client, tenant_a.staff, device)
    with time_machine.travel(time.time() + 32):
        for _ in range(5):
            client.post("/account/mfa/disable/", {"password": "wrong-guess"})
        right = client.post("/account/mfa/disable/", {"password": TEST_PASSWORD})
    assert right.status_code == 429
    assert mfa_enrolled(user=tenant_a.staff)
