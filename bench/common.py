"""What the benchmarks share: a throwaway cluster, a fleet of N migrated tenants, timing helpers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
QUIET = {"interactive": False, "verbosity": 0}


def setup_django(**settings_overrides) -> None:
    """Django on a throwaway embedded cluster (a configured DATABASE_URL is ignored on purpose)."""
    sys.path.insert(0, str(ROOT))
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "projectmeats.settings.test"
    import django
    from django.conf import settings

    for name, value in settings_overrides.items():
        setattr(settings, name, value)
    django.setup()


def build_fleet(tenants: int, parallel: int) -> list[str]:
    """Public schema, super tenant, then N registered tenants whose schemas our command migrates."""
    from django.core.management import call_command
    from django.db import connection

    from apps.tenants.models import Client, Domain
    from apps.tenants.services import super_tenant_ensure

    started = time.perf_counter()
    call_command("migrate_schemas", shared=True, **QUIET)
    super_tenant_ensure()
    names = [f"bench_{n:05d}" for n in range(tenants)]
    # Registered without schemas (bulk_create skips save()); our command then creates their tables.
    Client.objects.bulk_create([Client(schema_name=name, name=name) for name in names])
    by_name = {tenant.schema_name: tenant for tenant in Client.objects.filter(schema_name__in=names)}
    Domain.objects.bulk_create(
        [Domain(domain=f"{name.replace('_', '-')}.localhost", tenant=by_name[name], is_primary=True) for name in names]
    )
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f'CREATE SCHEMA "{name}"')
    call_command("migrate_schemas", tenant=True, parallel=parallel, **QUIET)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind = 'r'",
            [names[0]],
        )
        tables = cursor.fetchone()[0]
    print(f"PostgreSQL {server}, {tenants} tenants, {tables} tables per tenant schema, {os.cpu_count()} CPUs")
    print(f"fleet built in {time.perf_counter() - started:.1f}s (schemas migrated by ours, --parallel {parallel})")
    return names


def timed(function, repeat: int = 1) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


def manage_py(*args: str) -> None:
    """Run manage.py in a new process against the benchmark's cluster, as CI would."""
    from django.db import connection

    params = connection.get_connection_params()
    host = quote(params.get("host") or "localhost", safe="")
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{params['user']}@{host}/{params['dbname']}",
        "DJANGO_SETTINGS_MODULE": "projectmeats.settings.test",
    }
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)  # noqa: S603 (our own arguments)


def print_table(title: str, rows: list[tuple[str, list[float]]]) -> None:
    import statistics

    print()
    print(f"| {title} | median s | runs |")
    print("|---|---|---|")
    for label, times in rows:
        print(f"| {label} | {statistics.median(times):.3f} | {len(times)} |")
