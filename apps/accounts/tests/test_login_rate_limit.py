"""IAM-13: more than 5 sign-in attempts a minute from one client IP are refused with 429 and Retry-After,
whatever e-mail they try, on /login/, /admin/login/ and the API token endpoint (counted together)."""

import time

import pytest
import time_machine
from django.test import Client as DjangoClient

from apps.accounts.models import User
from conftest import TEST_PASSWORD

from .signin_helpers import sign_in

MESSAGE = "Too many sign-in attempts from your network."


@pytest.fixture(autouse=True)
def _start_of_a_window():
    """Each test starts at the beginning of a one-minute window: a slow run must not cross into the next
    window halfway through and see its count reset (the clock keeps ticking)."""
    with time_machine.travel(1_900_000_020, tick=True):
        yield


def _spray(client, count: int, ip: str = "127.0.0.1") -> list[int]:
    """`count` failed sign-ins, each for a different e-mail (so axes' per-account lockout never fires)."""
    return [
        sign_in(client, f"nobody{i}@example.test", password="wrong-password", ip=ip).status_code for i in range(count)
    ]


def test_sixth_attempt_in_a_minute_from_one_ip_is_refused_whatever_the_email(tenant_a, client_for):
    client = client_for(tenant_a)
    assert _spray(client, 5) == [200] * 5
    response = sign_in(client, tenant_a.staff.email)  # even the right password
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert MESSAGE in response.content.decode()
    assert client.session.get("_auth_user_id") is None


def test_get_requests_are_not_attempts(tenant_a, client_for):
    client = client_for(tenant_a)
    for _ in range(10):
        assert client.get("/login/").status_code == 200
    assert sign_in(client, tenant_a.staff.email).status_code == 302


def test_another_ip_is_not_limited(tenant_a, client_for):
    _spray(client_for(tenant_a), 6)
    assert sign_in(client_for(tenant_a), tenant_a.staff.email, ip="10.0.0.9").status_code == 302


def test_limit_lifts_after_the_minute(tenant_a, client_for):
    _spray(client_for(tenant_a), 6)
    with time_machine.travel(time.time() + 61):
        assert sign_in(client_for(tenant_a), tenant_a.staff.email).status_code == 302


def test_api_token_endpoint_answers_json_429_and_shares_the_count(tenant_a, client_for):
    client = client_for(tenant_a)
    assert _spray(client, 3) == [200] * 3
    payload = {"email": tenant_a.viewer.email, "password": "wrong-password"}
    statuses = [
        client.post("/api/v1/auth/token/", payload, content_type="application/json").status_code for _ in range(2)
    ]
    assert statuses == [400, 400]
    response = client.post(
        "/api/v1/auth/token/",
        {"email": tenant_a.staff.email, "password": TEST_PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 429
    assert response.json()["detail"].startswith(MESSAGE)
    assert int(response["Retry-After"]) > 0


def test_admin_login_on_public_host_is_limited_per_ip(world, db):
    User.objects.create_superuser(email="root@platform.test", password=TEST_PASSWORD)
    client = DjangoClient(HTTP_HOST="localhost")
    statuses = [
        client.post(
            "/admin/login/", {"username": f"x{i}@platform.test", "password": "nope", "otp_token": ""}
        ).status_code
        for i in range(6)
    ]
    assert statuses == [200] * 5 + [429]
    response = client.post("/admin/login/", {"username": "root@platform.test", "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert "Retry-After" in response
    assert MESSAGE in response.content.decode()


def test_attempts_on_different_tenant_hosts_add_up(tenant_a, tenant_b, client_for):
    assert _spray(client_for(tenant_a), 3) == [200] * 3
    assert _spray(client_for(tenant_b), 2) == [200] * 2
    assert sign_in(client_for(tenant_b), tenant_b.staff.email).status_code == 429
    assert sign_in(client_for(tenant_a), tenant_a.staff.email).status_code == 429


@pytest.mark.parametrize("run", [1, 2])
def test_counts_do_not_leak_between_tests(tenant_a, client_for, run):
    # Both runs happen in the same frozen minute and use the whole allowance: the second would be
    # refused if the first one's count survived the test (conftest clears the cache after each test).
    with time_machine.travel(1_900_000_020, tick=False):
        assert _spray(client_for(tenant_a), 5) == [200] * 5
