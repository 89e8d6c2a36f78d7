"""No-op `migrate_schemas --tenant` at fleet scale: plain django-tenants against ours, in one run.

    .venv/bin/python bench/migrate_noop.py --tenants 100 [--repeat 5]

Starts a throwaway embedded PostgreSQL cluster (never a configured DATABASE_URL), migrates the public
schema, registers N tenants and lets our command create and migrate their schemas (`--parallel`),
then times, on that same database, a no-op tenant run of:
  - plain django-tenants' command, standard executor (the PRODUCT.md §9 baseline),
  - ours (fast path: one catalog query, no executor per current schema).
Every command runs in-process through call_command at verbosity 0, so Django's start-up is not
counted for any of them. Prints a table and the ratio; it asserts nothing (see bench/README.md).
django-tenants' multiprocessing executor is left out: called in-process it never closes its pool and
the run hangs in the pool's finalizer after the migrations (django-tenants 4.0.x).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup_django() -> None:
    os.environ.pop("DATABASE_URL", None)  # always a throwaway cluster, never a real database
    os.environ["DJANGO_SETTINGS_MODULE"] = "projectmeats.settings.test"
    import django

    django.setup()


def _timed(function, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


def _cli_run(connection) -> None:
    """Ours as CI runs it: a new process, Django start-up, system checks, lock, query, exit."""
    import subprocess
    from urllib.parse import quote

    params = connection.get_connection_params()
    host = quote(params.get("host") or "localhost", safe="")
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{params['user']}@{host}/{params['dbname']}",
        "DJANGO_SETTINGS_MODULE": "projectmeats.settings.test",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate_schemas", "--tenant", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=100, help="number of tenant schemas (default 100)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of our command; the median is reported")
    parser.add_argument("--plain-repeat", type=int, default=1, help="runs of each plain django-tenants command")
    parser.add_argument("--parallel", type=int, default=4, help="workers used to create the schemas")
    args = parser.parse_args()

    _setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django_tenants.management.commands.migrate_schemas import Command as PlainMigrateSchemas

    from apps.tenants.models import Client, Domain
    from apps.tenants.services import super_tenant_ensure

    quiet = {"interactive": False, "verbosity": 0}
    started = time.perf_counter()
    call_command("migrate_schemas", shared=True, **quiet)
    super_tenant_ensure()
    names = [f"bench_{n:05d}" for n in range(args.tenants)]
    # Registered without creating schemas; our command then creates and migrates them all.
    Client.objects.bulk_create([Client(schema_name=name, name=name) for name in names])
    tenants = {tenant.schema_name: tenant for tenant in Client.objects.filter(schema_name__in=names)}
    Domain.objects.bulk_create(
        [Domain(domain=f"{name.replace('_', '-')}.localhost", tenant=tenants[name], is_primary=True) for name in names]
    )
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f'CREATE SCHEMA "{name}"')
    setup_started = time.perf_counter()
    call_command("migrate_schemas", tenant=True, parallel=args.parallel, **quiet)
    migrate_all = time.perf_counter() - setup_started
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind = 'r'",
            [names[0]],
        )
        tables = cursor.fetchone()[0]
    print(f"PostgreSQL {server}, {args.tenants} tenants, {tables} tables per tenant schema, {os.cpu_count()} CPUs")
    print(
        f"setup {time.perf_counter() - started:.1f}s; our command created+migrated the {args.tenants} schemas "
        f"with --parallel {args.parallel} in {migrate_all:.2f}s"
    )

    def ours():
        call_command("migrate_schemas", tenant=True, **quiet)

    def plain(executor):
        return lambda: call_command(PlainMigrateSchemas(), tenant=True, executor=executor, **quiet)

    ours()  # warm the migration graph cache, as every run of a fresh process pays once
    rows = [("plain django-tenants, standard executor", _timed(plain("standard"), args.plain_repeat))]
    rows.append(("ours (fast path)", _timed(ours, args.repeat)))
    cli = _timed(lambda: _cli_run(connection), args.repeat)

    print()
    print(f"| no-op `migrate_schemas --tenant`, {args.tenants} tenants | median s | runs |")
    print("|---|---|---|")
    for label, times in rows:
        print(f"| {label} | {statistics.median(times):.3f} | {len(times)} |")
    ours_median = statistics.median(rows[-1][1])
    for label, times in rows[:-1]:
        print(f"ratio {label} / ours: {statistics.median(times) / ours_median:.0f}x")
    print(f"ours end to end (`manage.py migrate_schemas --tenant`, new process): median {statistics.median(cli):.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
