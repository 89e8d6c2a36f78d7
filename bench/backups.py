"""Benchmark: per-tenant backup and restore (ours, signed and verified) against plain pg_dump / pg_restore.

One tenant is loaded with N invoices (bench/orders_reports.load: customers, sales orders, invoices) on a
throwaway embedded PostgreSQL, then, for each size:
  backup   ours: `bundle_create` (snapshot, per-table counts + checksums, public rows, files, signed
           manifest, encrypted bundle)
           plain: `pg_dump --format custom --schema` of the same schema (what django-tenants users script)
  restore  ours: `tenant_restore` as a NEW tenant (scratch database, rename, replay, verify every table
           and file), then `tenant_restore_replace` IN PLACE over the original (same checks), and the
           restore drill (`bundle_drill`: decrypt, pg_restore into a scratch database, verify every table)
           plain: `pg_restore` of the plain dump into a fresh empty database (no rename, no verification)
Sizes are the bundle's (encrypted) and the plain dump's.

    .venv/bin/python bench/backups.py [--sizes 1000,100000] [--smoke]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "projectmeats.settings.test")

from common import parse_args, smoke_database  # noqa: E402 (bench/ is the script's folder)


def _plain_dump(schema: str, output: Path) -> None:
    from backend.pg_tools import connection_args, pg_dump_path

    args, env = connection_args()
    command = [pg_dump_path(), "--format", "custom", "--schema", schema, "--no-owner", "--no-privileges"]
    subprocess.run([*command, "--file", str(output), *args], env=env, check=True, capture_output=True)  # noqa: S603


def _plain_restore(dump: Path, database: str) -> None:
    from django.db import connection

    from backend.pg_tools import connection_args, pg_tool

    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{database}"')
    try:
        args, env = connection_args(database)
        subprocess.run(  # noqa: S603
            [pg_tool("psql"), *args, "-q", "-c", "CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"],
            env=env,
            check=True,
            capture_output=True,
        )
        subprocess.run(  # noqa: S603
            [pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", *args]
            + [str(dump)],
            env=env,
            check=True,
            capture_output=True,
        )
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000", help="invoice counts, comma-separated")
    args = parse_args(parser, smoke={"sizes": "20"})
    smoke_database(args.smoke)

    import django

    django.setup()
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.core.management import call_command
    from orders_reports import load

    from apps.backups.bundles import bundle_create
    from apps.backups.drill import bundle_drill
    from apps.backups.restore import tenant_restore, tenant_restore_replace
    from apps.tenants.services import super_tenant_ensure, tenant_create

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    super_tenant_ensure()
    print(
        f"{'invoices':>9} {'ours backup s':>14} {'pg_dump s':>10} {'ours MB':>8} {'plain MB':>9} "
        f"{'ours restore s':>15} {'pg_restore s':>13} {'in place s':>11} {'drill s':>8}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(part) for part in args.sizes.split(",")):
            schema = f"bk_{size}"
            tenant = tenant_create(
                schema_name=schema, name=f"Bench {size}", domain=f"bk-{size}.localhost", owner_email="o@bk.test"
            )
            load(tenant, size, max(5, size // 50))
            default_storage.save(f"{schema}/branding/logo.png", ContentFile(os.urandom(100_000)))
            ours, plain = Path(tmp) / f"{schema}.pmbk", Path(tmp) / f"{schema}.plain.dump"
            started = time.perf_counter()
            bundle_create(tenant=tenant, output=ours)
            ours_backup = time.perf_counter() - started
            started = time.perf_counter()
            _plain_dump(schema, plain)
            plain_backup = time.perf_counter() - started
            started = time.perf_counter()
            tenant_restore(dump=ours, schema_name=f"{schema}_copy", name="Copy", domain=f"bk-{size}-copy.localhost")
            ours_restore = time.perf_counter() - started
            started = time.perf_counter()
            _plain_restore(plain, f"bench_plain_{size}")
            plain_restore = time.perf_counter() - started
            started = time.perf_counter()
            tenant_restore_replace(dump=ours, schema_name=schema)
            in_place = time.perf_counter() - started
            started = time.perf_counter()
            bundle_drill(source=ours)
            drill = time.perf_counter() - started
            mb = 1024 * 1024
            print(
                f"{size:>9} {ours_backup:14.2f} {plain_backup:10.2f} {ours.stat().st_size / mb:8.2f} "
                f"{plain.stat().st_size / mb:9.2f} {ours_restore:15.2f} {plain_restore:13.2f} {in_place:11.2f} "
                f"{drill:8.2f}"
            )


if __name__ == "__main__":
    main()
