"""Through nginx, each visitor is limited by its own address: a forged X-Forwarded-For changes nothing.

Clients bind 127.0.0.N; nginx appends that address to X-Forwarded-For and the app (TRUSTED_PROXY_COUNT=1,
nginx connecting from 127.0.0.1) reads the entry nginx added. Before backend/client_ip.py, every
visitor was 127.0.0.1 to the app: one sign-in allowance for everyone, one lockout for everyone.
"""

from __future__ import annotations

from .conftest import DEMO_PASSWORD, api_token, fresh_window

TOKEN = "/api/v1/auth/token/"
LIMIT = 5  # settings.LOGIN_RATE_LIMIT per minute per address


def _attempt(http, source: str, *, email: str, password: str = "wrong", xff: str = ""):
    headers = {"X-Forwarded-For": xff} if xff else {}
    return http("POST", TOKEN, source=source, headers=headers, json={"email": email, "password": password})


def _nobody(n: int) -> str:
    # A different unknown account each time: axes (5 failures per account and address) stays out of it.
    return f"nobody{n}@acme.example"


def test_two_addresses_are_limited_independently(http):
    fresh_window()
    first = [_attempt(http, "127.0.0.2", email=_nobody(n)).status for n in range(LIMIT + 1)]
    assert 429 not in first[:LIMIT] and first[LIMIT] == 429
    # Another address has its own allowance: refused for bad credentials, not rate limited.
    other = _attempt(http, "127.0.0.3", email=_nobody(0))
    assert other.status == 400, other.text


def test_rotating_a_forged_forwarded_for_does_not_escape_the_limit(http):
    fresh_window()
    statuses = [_attempt(http, "127.0.0.4", email=_nobody(n), xff=f"203.0.113.{n}").status for n in range(LIMIT + 1)]
    assert 429 not in statuses[:LIMIT] and statuses[LIMIT] == 429


def test_five_wrong_passwords_lock_the_account_only_for_that_address(stack, http):
    fresh_window()
    email = "manager@acme.example"
    # The fifth failure locks the (account, address) pair: axes answers 429.
    assert [_attempt(http, "127.0.0.5", email=email).status for _ in range(LIMIT)] == [400] * 4 + [429]
    with stack.direct.connect() as conn:
        rows = conn.execute(
            "SELECT host(ip_address), failures_since_start FROM axes_accessattempt WHERE username = %s", [email]
        ).fetchall()
    assert rows == [("127.0.0.5", LIMIT)]
    # The right password from the locked address is refused; from another address it works.
    assert _attempt(http, "127.0.0.5", email=email, password=DEMO_PASSWORD).status == 429
    assert api_token(http, email=email, source="127.0.0.6")


def test_audit_log_records_the_visitors_address_not_the_proxys(stack, http):
    token = api_token(http, email="staff@acme.example", source="127.0.0.7")
    reply = http(
        "POST",
        "/api/v1/suppliers/",
        source="127.0.0.7",
        headers={"Authorization": f"Bearer {token}", "X-Forwarded-For": "198.51.100.1"},
        json={"code": "IP-AUDIT", "name": "Audit Address Supplier", "payment_terms": 14},
    )
    assert reply.status == 201, reply.text
    with stack.direct.connect() as conn:
        ip = conn.execute(
            "SELECT host(ip_address) FROM acme.audit_auditevent WHERE action = 'supplier.create' AND object_id = %s",
            [str(reply.json()["id"])],
        ).fetchone()[0]
    assert ip == "127.0.0.7"


def test_a_peer_that_is_not_the_proxy_cannot_forward_anything(stack, http):
    """Straight to gunicorn from 127.0.0.8 (not a trusted proxy): X-Forwarded-For is dropped there too."""
    from .http import request

    gunicorn_port = int(stack.services["gunicorn"].env["GUNICORN_BIND"].rsplit(":", 1)[1])
    fresh_window()
    statuses = [
        request(gunicorn_port, "POST", TOKEN, source="127.0.0.8", headers={"X-Forwarded-For": f"192.0.2.{n}"},
                json={"email": _nobody(n), "password": "wrong"}).status
        for n in range(LIMIT + 1)
    ]  # fmt: skip
    assert 429 not in statuses[:LIMIT] and statuses[LIMIT] == 429
    with stack.direct.connect() as conn:
        forged = conn.execute(
            "SELECT count(*) FROM axes_accessattempt WHERE host(ip_address) LIKE '192.0.2.%%'"
        ).fetchone()
    assert forged == (0,)


def test_nginx_caps_request_bodies(http):
    reply = http("POST", "/api/v1/suppliers/", source="127.0.0.9", body=b"x" * (13 * 1024 * 1024))
    assert reply.status == 413
