"""What the benchmarks share: a throwaway cluster, smoke runs, a fleet of N migrated tenants, timing helpers."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
QUIET = {"interactive": False, "verbosity": 0}
# Set by tests/test_bench_smoke.py: a fresh database for one smoke run (see smoke_database).
SMOKE_DATABASE_ENV = "BENCH_SMOKE_DATABASE_URL"


def parse_args(parser: argparse.ArgumentParser, *, smoke: dict[str, object]) -> argparse.Namespace:
    """The command line, with `--smoke`: `smoke`'s tiny sizes replace the defaults (options given still win).

    A smoke run checks that the script still works from start to end — every case, every table —
    in seconds; `make test` runs every script so (tests/test_bench_smoke.py). Its figures mean nothing.
    """
    parser.add_argument(
        "--smoke", action="store_true", help="tiny sizes, one run: check that the script works (figures mean nothing)"
    )
    args = parser.parse_args()
    if args.smoke:
        unknown = sorted(set(smoke) - set(vars(args)))
        if unknown:
            raise SystemExit(f"smoke sizes for options this script does not have: {unknown}")
        parser.set_defaults(**smoke)
        args = parser.parse_args()
        sizes = " ".join(
            f"--{name.replace('_', '-')}" + ("" if value is True else f" {value}") for name, value in smoke.items()
        )
        print(f"smoke run, figures mean nothing: {sizes}")
    return args


def smoke_database(smoke: bool) -> None:
    """In a smoke run, use the database the smoke test prepared for it, if it named one.

    tests/test_bench_smoke.py copies one database (public schema migrated, tenant template current)
    for each script instead of letting each start and migrate a cluster of its own. Without `--smoke`
    the variable is ignored, so a full-size run never lands there.
    """
    url = os.environ.get(SMOKE_DATABASE_ENV, "") if smoke else ""
    if url:
        os.environ["DATABASE_URL"] = url


def setup_django(*, smoke: bool = False, **settings_overrides) -> None:
    """Django on a throwaway embedded cluster (a configured DATABASE_URL is ignored on purpose)."""
    sys.path.insert(0, str(ROOT))
    os.environ.pop("DATABASE_URL", None)
    smoke_database(smoke)
    os.environ["DJANGO_SETTINGS_MODULE"] = "projectmeats.settings.test"
    import django
    from django.conf import settings

    for name, value in settings_overrides.items():
        setattr(settings, name, value)
    django.setup()


def build_fleet(tenants: int, parallel: int, clone: bool = False) -> list[str]:
    """Public schema, super tenant, then N registered tenants whose schemas our command migrates.

    With `clone`, each schema is instead a copy of the migrated tenant template (backend.provisioning,
    as `tenant_create` makes them): the same tables and migration records, minutes faster at 1,000.
    Our command then runs once over the fleet and must find nothing to do.
    """
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
    if clone:
        from django.db import transaction

        from backend.provisioning import clone_template_into, template_prepare

        if not template_prepare():
            raise SystemExit("the tenant template cannot be cloned here (see the log)")
        for name in names:
            with transaction.atomic():
                clone_template_into(name)
    else:
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
    how = "cloned from the tenant template" if clone else f"migrated by ours, --parallel {parallel}"
    print(f"fleet built in {time.perf_counter() - started:.1f}s (schemas {how})")
    return names


def signed_in_client(*, user, host: str, schema_name: str):
    """A test client for `host`, signed in as `user`, its session bound to the tenant (as signing in there binds it).

    `force_login` alone makes a session that belongs to no tenant: tenant pages and the API refuse it.
    """
    from django.test import Client as HttpClient

    from apps.accounts.sessions import bind_session

    client = HttpClient(HTTP_HOST=host)
    client.force_login(user)
    session = client.session
    bind_session(session, schema_name=schema_name)
    session.save()
    return client


def timed(function, repeat: int = 1) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


def manage_py(*args: str, script: str = "manage.py", extra_env: dict[str, str] | None = None) -> None:
    """Run manage.py (or another script of the project) in a new process against the benchmark's cluster."""
    from django.db import connection

    params = connection.get_connection_params()
    host = quote(params.get("host") or "localhost", safe="")
    password = f":{quote(params['password'], safe='')}" if params.get("password") else ""
    port = f":{params['port']}" if params.get("port") else ""
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{quote(params['user'], safe='')}{password}@{host}{port}/{params['dbname']}",
        "DJANGO_SETTINGS_MODULE": "projectmeats.settings.test",
        **(extra_env or {}),
    }
    subprocess.run([sys.executable, script, *args], cwd=ROOT, env=env, check=True)  # noqa: S603 (our own arguments)


def print_table(title: str, rows: list[tuple[str, list[float]]]) -> None:
    import statistics

    print()
    print(f"| {title} | median s | runs |")
    print("|---|---|---|")
    for label, times in rows:
        print(f"| {label} | {statistics.median(times):.3f} | {len(times)} |")


def plain_subprocess(executor: str, extra_env: dict[str, str] | None = None) -> None:
    """Plain django-tenants' `migrate_schemas --tenant` with this executor, in a new process."""
    args = ("--tenant", f"--executor={executor}", "--noinput", "-v", "0")
    manage_py(*args, script="bench/plain_migrate_schemas.py", extra_env=extra_env)
