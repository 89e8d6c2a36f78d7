"""Benchmark: the fleet page and "check now" at fleet size, against a naive per-tenant loop.

Builds N tenant schemas (cloned from the tenant template), 30 days of usage rows per tenant and one
stored fleet check, then times, in the same run:

- ours: GET /admin/operations/fleet/ as a signed-in superuser (a fixed number of queries: summaries of
  the whole fleet, one page of 100 tenants), and POST .../check/ ("check now": two catalog queries over
  every schema, backend.migration_state);
- naive: what a view written directly on django-tenants does for the same facts — for every tenant,
  `schema_context` + Django's MigrationRecorder queryset for its applied migrations, its usage and
  member counts (one query each, per tenant).

    .venv/bin/python bench/fleet_view.py [--tenants 1000] [--runs 20] [--smoke]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "projectmeats.settings.test")

from common import build_fleet, parse_args, smoke_database  # noqa: E402 (bench/ is the script's folder)


def percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered) * 1000, p95 * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--naive-runs", type=int, default=3)
    args = parse_args(parser, smoke={"tenants": 3, "runs": 2, "naive_runs": 1})
    smoke_database(args.smoke)

    import django

    django.setup()
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder
    from django.test import Client as HttpClient
    from django.test.utils import CaptureQueriesContext
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_tenants.utils import schema_context

    from apps.accounts.models import Membership, User
    from apps.operations.models import TenantUsage
    from apps.operations.services import fleet_check_run
    from apps.tenants.models import Client
    from backend.clock import platform_today
    from backend.migration_state import expected_migrations

    names = build_fleet(args.tenants, parallel=2, clone=True)
    today = platform_today()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TenantUsage._meta.db_table} (tenant_id, day, requests, api_calls, storage_bytes, members, "
            "updated_at) SELECT c.id, %s::date - d, (c.id * 7 + d) %% 500, (c.id + d) %% 50, 1000, 3, now() "
            "FROM tenants_client c, generate_series(0, 29) d WHERE c.schema_name = ANY(%s)",
            [today, names],
        )
    fleet_check_run()

    password = "bench-Pa55word!"
    user = User.objects.create_superuser(email="root@bench.test", password=password)
    device = StaticDevice.objects.create(user=user, name="bench", confirmed=True)
    device.token_set.create(token="bench-code")
    client = HttpClient(HTTP_HOST="localhost")
    login = client.post("/admin/login/", {"username": user.email, "password": password, "otp_token": "bench-code"})
    assert login.status_code == 302, login.status_code

    def page() -> None:
        response = client.get("/admin/operations/fleet/")
        assert response.status_code == 200, response.status_code

    def check_now() -> None:
        response = client.post("/admin/operations/fleet/check/")
        assert response.status_code == 302, response.status_code

    _shared, tenant_expected = expected_migrations()

    def naive() -> None:
        rows = []
        for tenant in Client.objects.exclude(schema_name="public").order_by("name"):
            with schema_context(tenant.schema_name):
                # The recorder's own queryset (applied_migrations() would also introspect every table).
                recorded = MigrationRecorder(connection).migration_qs.values_list("app", "name")
                applied = {f"{app}.{name}" for app, name in recorded}
            requests = sum(TenantUsage.objects.filter(tenant=tenant).values_list("requests", flat=True)[:7])
            members = Membership.objects.filter(tenant=tenant, is_active=True).count()
            rows.append((tenant.schema_name, len(tenant_expected - applied), requests, members))
        assert len(rows) >= len(names)

    page()  # warm caches
    with CaptureQueriesContext(connection) as queries:
        page()
    page_queries = len(queries.captured_queries)

    def timed(function, runs: int) -> list[float]:
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            function()
            times.append(time.perf_counter() - started)
        return times

    results = [
        ("ours: fleet page (100 tenants a page, whole-fleet summaries)", timed(page, args.runs), page_queries),
        ('ours: "check now" (every schema\'s migrations, stored)', timed(check_now, max(2, args.runs // 4)), None),
        ("naive: per-tenant loop (schema_context + recorder + counts)", timed(naive, args.naive_runs), None),
    ]
    print()
    print(f"| fleet view, {args.tenants} tenants | p50 ms | p95 ms | queries | runs |")
    print("|---|---|---|---|---|")
    for label, times, count in results:
        p50, p95 = percentiles(times)
        print(f"| {label} | {p50:.0f} | {p95:.0f} | {count if count is not None else '-'} | {len(times)} |")
    naive_p50 = percentiles(results[2][1])[0]
    print(f"naive / ours (page p50): {naive_p50 / max(percentiles(results[0][1])[0], 0.001):.1f}x")


if __name__ == "__main__":
    main()
