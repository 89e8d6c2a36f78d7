"""Per-tenant usage: counted per request without queries, written per tenant per day, shown to its owner only."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.operations.models import TenantUsage
from apps.operations.services import usage_snapshot
from backend import usage
from backend.clock import platform_today


@pytest.fixture(autouse=True)
def _fresh_counters():
    usage.reset()
    yield
    usage.reset()


def _row(tenant_world) -> TenantUsage | None:
    with schema_context("public"):
        return TenantUsage.objects.filter(tenant=tenant_world.tenant, day=platform_today()).first()


def test_requests_and_api_calls_become_one_row_per_tenant_per_day(tenant_a, tenant_b, client_for):
    client = client_for(tenant_a, tenant_a.staff)
    client.get("/suppliers/")
    client.get("/customers/")
    client.get("/api/v1/auth/whoami/")
    client_for("localhost").get("/")  # the public host is nobody's usage
    assert _row(tenant_a) is None  # counted in memory, nothing written yet
    assert usage.flush() == 1
    row = _row(tenant_a)
    assert (row.requests, row.api_calls) == (3, 1)
    assert _row(tenant_b) is None

    client.get("/suppliers/")
    usage.flush()
    row.refresh_from_db()
    assert (row.requests, row.api_calls) == (4, 1)


def test_counting_a_request_costs_no_query(tenant_a, client_for):
    client = client_for(tenant_a, tenant_a.staff)
    client.get("/suppliers/")  # warm caches
    usage.reset()
    with CaptureQueriesContext(connection) as first:
        client.get("/suppliers/")
    usage.reset()
    with CaptureQueriesContext(connection) as second:
        client.get("/suppliers/")
    assert len(first) == len(second)
    assert not any("operations_tenantusage" in query["sql"] for query in [*first, *second])


def test_days_are_utc_days(tenant_a, client_for):
    client = client_for(tenant_a, tenant_a.staff)
    with time_machine.travel("2026-03-01 23:59:30+00:00", tick=False):
        client.get("/suppliers/")
    with time_machine.travel("2026-03-02 00:00:30+00:00", tick=False):
        client.get("/suppliers/")
    usage.flush()
    with schema_context("public"):
        days = dict(TenantUsage.objects.filter(tenant=tenant_a.tenant).values_list("day", "requests"))
    assert {str(day): n for day, n in days.items()} == {"2026-03-01": 1, "2026-03-02": 1}


def test_snapshot_gives_every_tenant_a_row_with_storage_and_active_members(tenant_a, tenant_b):
    from apps.accounts.models import Membership
    from apps.tenants.models import Client

    with schema_context("public"):
        Client.objects.filter(pk=tenant_b.tenant.pk).update(storage_bytes_used=12345)
        Membership.objects.filter(tenant=tenant_b.tenant, user=tenant_b.viewer).update(is_active=False)
        expected_b = Membership.objects.filter(tenant=tenant_b.tenant, is_active=True).count()
        expected_a = Membership.objects.filter(tenant=tenant_a.tenant, is_active=True).count()
        assert usage_snapshot() >= 2
        usage_snapshot()  # idempotent: the same rows, updated
        rows = {row.tenant_id: row for row in TenantUsage.objects.filter(day=platform_today())}
    assert rows[tenant_b.tenant.pk].storage_bytes == 12345 and rows[tenant_b.tenant.pk].members == expected_b
    assert rows[tenant_a.tenant.pk].members == expected_a
    assert TenantUsage.objects.filter(day=platform_today(), tenant=tenant_a.tenant).count() == 1


def test_snapshot_keeps_counted_requests(tenant_a, client_for):
    client_for(tenant_a, tenant_a.staff).get("/suppliers/")
    usage.flush()
    usage_snapshot()
    assert _row(tenant_a).requests == 1


def test_owner_sees_own_daily_usage_not_another_tenants(tenant_a, tenant_b, client_for):
    for _ in range(777):
        usage.count_request("beta", api=False)
    usage.flush()
    usage_snapshot()
    page = client_for(tenant_a, tenant_a.owner).get("/settings/plan/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Usage by day" in body and "777" not in body
    beta = client_for(tenant_b, tenant_b.owner).get("/settings/plan/").content.decode()
    assert "777" in beta


def test_plan_usage_is_for_owners_only_and_not_for_other_tenants_sessions(tenant_a, tenant_b, client_for, outsider):
    assert client_for(tenant_a, tenant_a.staff).get("/settings/plan/").status_code == 403
    assert client_for(tenant_a, outsider).get("/settings/plan/").status_code == 403
    # Tenant B's owner with a session from B replayed on A's host: signed out, not shown A's usage.
    replayed = client_for(tenant_a, tenant_b.owner, bound_to=tenant_b).get("/settings/plan/")
    assert replayed.status_code in (302, 403)
