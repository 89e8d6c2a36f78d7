"""Brute-force lockout (django-axes): 5 failures for one e-mail from one IP lock that pair (HTTP 429).

The per-IP limit (IAM-13, test_login_rate_limit.py) refuses a 6th attempt within a minute from one IP
on its own; tests that need more attempts from one IP step past that minute with `next_minute()`."""

import time

import time_machine
from django.test import Client as DjangoClient

from apps.accounts.models import User
from conftest import TEST_PASSWORD

from .signin_helpers import audit_actions, sign_in

LOCKOUT_TEXT = "Too many failed sign-in attempts. Try again in 15 minutes."


def next_minute():
    """After the per-IP sign-in window (60 s), well within axes' 15-minute cool-off."""
    return time_machine.travel(time.time() + 61)


def _fail(client, email, times, ip="127.0.0.1"):
    return [sign_in(client, email, password="wrong-password", ip=ip).status_code for _ in range(times)]


def test_fifth_failure_locks_out_with_clear_message(tenant_a, client_for):
    client = client_for(tenant_a)
    assert _fail(client, tenant_a.staff.email, 4) == [200] * 4
    response = sign_in(client, tenant_a.staff.email, password="wrong-password")
    assert response.status_code == 429
    assert LOCKOUT_TEXT in response.content.decode()


def test_locked_out_pair_is_refused_even_with_the_right_password(tenant_a, client_for):
    client = client_for(tenant_a)
    _fail(client, tenant_a.staff.email, 5)
    response = sign_in(client, tenant_a.staff.email)
    assert response.status_code == 429
    assert client.session.get("_auth_user_id") is None


def test_lockout_ignores_email_case(tenant_a, client_for):
    client = client_for(tenant_a)
    _fail(client, tenant_a.staff.email, 5)
    assert sign_in(client, tenant_a.staff.email.upper()).status_code == 429


def test_same_user_from_another_ip_is_not_locked(tenant_a, client_for):
    _fail(client_for(tenant_a), tenant_a.staff.email, 5)
    response = sign_in(client_for(tenant_a), tenant_a.staff.email, ip="10.0.0.2")
    assert response.status_code == 302


def test_other_user_from_the_same_ip_is_not_locked(tenant_a, client_for):
    _fail(client_for(tenant_a), tenant_a.staff.email, 5)
    with next_minute():
        assert sign_in(client_for(tenant_a), tenant_a.viewer.email).status_code == 302


def test_lockout_ends_after_cool_off(tenant_a, client_for):
    _fail(client_for(tenant_a), tenant_a.staff.email, 5)
    with time_machine.travel(time.time() + 16 * 60):
        assert sign_in(client_for(tenant_a), tenant_a.staff.email).status_code == 302


def test_successful_sign_in_resets_the_failure_count(tenant_a, client_for):
    _fail(client_for(tenant_a), tenant_a.staff.email, 4)
    assert sign_in(client_for(tenant_a), tenant_a.staff.email).status_code == 302
    with next_minute():
        assert _fail(client_for(tenant_a), tenant_a.staff.email, 4) == [200] * 4


def test_lockout_is_audited(tenant_a, client_for):
    _fail(client_for(tenant_a), tenant_a.staff.email, 6)
    reasons = [e.changes["reason"] for e in audit_actions(tenant_a.tenant, "auth.login_failed")]
    assert reasons.count("locked_out") >= 1
    assert "bad_credentials" in reasons


def test_api_token_endpoint_locks_out_with_json_429(tenant_a, client_for):
    client = client_for(tenant_a)
    payload = {"email": tenant_a.staff.email, "password": "wrong-password"}
    statuses = [
        client.post("/api/v1/auth/token/", payload, content_type="application/json").status_code for _ in range(5)
    ]
    assert statuses == [400] * 4 + [429]
    with next_minute():
        response = client.post(
            "/api/v1/auth/token/",
            {"email": tenant_a.staff.email, "password": TEST_PASSWORD},
            content_type="application/json",
        )
    assert response.status_code == 429
    assert response.json() == {"detail": LOCKOUT_TEXT, "code": "locked_out"}


def test_failures_on_login_page_and_api_add_up(tenant_a, client_for):
    client = client_for(tenant_a)
    _fail(client, tenant_a.staff.email, 3)
    payload = {"email": tenant_a.staff.email, "password": "wrong-password"}
    client.post("/api/v1/auth/token/", payload, content_type="application/json")
    assert sign_in(client, tenant_a.staff.email, password="wrong-password").status_code == 429


def test_admin_login_on_public_host_locks_out(world, db):
    User.objects.create_superuser(email="root@platform.test", password=TEST_PASSWORD)
    client = DjangoClient(HTTP_HOST="localhost")
    data = {"username": "root@platform.test", "password": "wrong-password", "otp_token": ""}
    statuses = [client.post("/admin/login/", data).status_code for _ in range(5)]
    assert statuses == [200] * 4 + [429]
    with next_minute():
        response = client.post("/admin/login/", {**data, "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert LOCKOUT_TEXT in response.content.decode()
