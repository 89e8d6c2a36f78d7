"""Behind the proxy, sign-in limits, lockout, signup and the audit log see each visitor's own address."""

import time_machine
from django.test import Client as DjangoClient
from django.test import override_settings
from django_tenants.utils import schema_context

from apps.audit.models import AuditEvent
from conftest import TEST_PASSWORD

BEHIND_NGINX = {"TRUSTED_PROXY_COUNT": 1, "TRUSTED_PROXY_IPS": ["127.0.0.1"]}
NGINX = "127.0.0.1"


def _sign_in(client, email, password, visitor, forged=""):
    forwarded = f"{forged}, {visitor}" if forged else visitor
    return client.post(
        "/login/", {"email": email, "password": password}, REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_FOR=forwarded
    )


@override_settings(**BEHIND_NGINX)
def test_five_failures_lock_the_account_for_that_visitor_only(tenant_a, client_for):
    client = client_for(tenant_a)
    statuses = [_sign_in(client, tenant_a.staff.email, "wrong", "198.51.100.1").status_code for _ in range(5)]
    assert statuses == [200] * 4 + [429]
    assert _sign_in(client_for(tenant_a), tenant_a.staff.email, TEST_PASSWORD, "198.51.100.2").status_code == 302


@override_settings(**BEHIND_NGINX)
@time_machine.travel(1_900_000_020, tick=False)  # all attempts inside one fixed one-minute window
def test_sign_in_rate_limit_counts_per_visitor_and_ignores_forged_entries(tenant_a, client_for):
    statuses = [
        _sign_in(client_for(tenant_a), f"x{n}@alpha.test", "wrong", "198.51.100.3", forged=f"10.0.0.{n}").status_code
        for n in range(6)
    ]
    assert statuses == [200] * 5 + [429]
    assert _sign_in(client_for(tenant_a), "y@alpha.test", "wrong", "198.51.100.4").status_code == 200


@override_settings(**BEHIND_NGINX, SIGNUP_RATE_LIMIT=1)
@time_machine.travel(1_900_000_020, tick=False)
def test_signup_limit_is_per_visitor(world, db):
    def attempt(visitor):
        return DjangoClient(HTTP_HOST="localhost").post("/signup/", {}, REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_FOR=visitor)

    assert attempt("198.51.100.5").status_code != 429
    assert attempt("198.51.100.5").status_code == 429
    assert attempt("198.51.100.6").status_code != 429


@override_settings(**BEHIND_NGINX)
def test_audit_events_record_the_visitors_address(tenant_a, client_for):
    client = client_for(tenant_a, tenant_a.staff)
    response = client.post(
        "/api/v1/suppliers/",
        {"code": "AUD-IP", "name": "Audited", "payment_terms": 14},
        content_type="application/json",
        REMOTE_ADDR=NGINX,
        HTTP_X_FORWARDED_FOR="10.1.1.1, 198.51.100.9",
    )
    assert response.status_code == 201
    with schema_context("alpha"):
        event = AuditEvent.objects.get(action="supplier.create", object_id=str(response.json()["id"]))
    assert event.ip_address == "198.51.100.9"
