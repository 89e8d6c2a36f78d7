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
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{params['user']}@{host}/{params['dbname']}",
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
