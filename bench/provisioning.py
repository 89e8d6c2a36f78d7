"""Benchmark: time to provision one tenant schema, plain django-tenants vs ours, in one run.

Runs against a throwaway embedded PostgreSQL (or DATABASE_URL: use a scratch database!) and prints
p50/p95 per method and ratios against the raw-SQL floor. Methods, N tenants each:
  plain-migrate  CREATE SCHEMA + django-tenants' own migrate_schemas for that schema (auto_create_schema)
  plain-clone    django-tenants' CloneSchema.clone_schema from the template schema (its clone_tenant)
  floor          the template's DDL + rows replayed with one execute in one transaction (nothing else)
  ours           backend.provisioning via apps.tenants.services.schema_provision
  ours-tenant    the whole tenant_create: schema + Client + Domain + owner membership
  pool           schema_provision taking a pre-provisioned schema from the warm pool (rename only)
  pool-tenant    the whole tenant_create with a warm pool (what signup and create_tenant do in production)
The pool is filled before each pool method and not timed (the refill job does that in the background).

    .venv/bin/python bench/provisioning.py [--tenants 50] [--smoke]
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

from common import parse_args, smoke_database  # noqa: E402 (bench/ is the script's folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenants", type=int, default=50)
    args = parse_args(parser, smoke={"tenants": 1})
    smoke_database(args.smoke)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django_tenants.clone import CloneSchema
    from django_tenants.management.commands.migrate_schemas import Command as PlainMigrateSchemas

    from apps.tenants.services import schema_provision, super_tenant_ensure, tenant_create
    from backend import provisioning

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    super_tenant_ensure()
    provisioning.template_prepare()
    template = provisioning.template_schema_name()
    sql = provisioning.template_sql()

    def plain_migrate(name: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{name}"')
        call_command(PlainMigrateSchemas(), tenant=True, schema_name=name, interactive=False, verbosity=0)
        connection.set_schema_to_public()

    def plain_clone(name: str) -> None:
        CloneSchema().clone_schema(template, name, set_connection=False)

    def floor(name: str) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql.replace(template, f'"{name}"'))

    def ours(name: str) -> None:
        with transaction.atomic():
            schema_provision(schema_name=name)

    def ours_tenant(name: str) -> None:
        host = name.replace("_", "-")
        tenant_create(schema_name=name, name=name, domain=f"{host}.bench.localhost", owner_email=f"o@{host}.test")

    def pool(name: str) -> None:
        with transaction.atomic():
            how = schema_provision(schema_name=name)
        assert how.method == "pool", how

    def pool_tenant(name: str) -> None:
        host = name.replace("_", "-")
        tenant = tenant_create(
            schema_name=name, name=name, domain=f"{host}.bench.localhost", owner_email=f"o@{host}.test"
        )
        assert tenant.provisioning.method == "pool", tenant.provisioning

    def fill_pool() -> None:
        provisioning.pool_refill(size=args.tenants)

    methods = [
        ("plain-migrate", plain_migrate),
        ("plain-clone", plain_clone),
        ("floor", floor),
        ("ours", ours),
        ("ours-tenant", ours_tenant),
        ("pool", pool),
        ("pool-tenant", pool_tenant),
    ]
    prepare = {"pool": fill_pool, "pool-tenant": fill_pool}
    results: dict[str, list[float]] = {}
    growth: dict[str, float] = {}
    for label, function in methods:
        times = []
        if label in prepare:
            prepare[label]()
        size_before = _db_size(connection)
        for i in range(args.tenants):
            name = f"b_{label.replace('-', '_')}_{i}"
            started = time.perf_counter()
            function(name)
            times.append(time.perf_counter() - started)
        growth[label] = (_db_size(connection) - size_before) / args.tenants
        results[label] = times

    p50_floor = statistics.median(results["floor"])
    print(f"tenants per method: {args.tenants}; PostgreSQL: {connection.cursor().connection.info.server_version}")
    print(f"{'method':<14} {'p50 ms':>9} {'p95 ms':>9} {'p50/floor':>10} {'growth kB':>10}")
    for label, times in results.items():
        p50 = statistics.median(times)
        p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 2 else times[0]
        print(f"{label:<14} {p50 * 1000:9.1f} {p95 * 1000:9.1f} {p50 / p50_floor:10.2f} {growth[label] / 1024:10.0f}")
    plain = statistics.median(results["plain-migrate"])
    print(f"ours vs plain-migrate: {plain / statistics.median(results['ours']):.1f}x faster")
    print("growth for pool methods is the rename only: the pooled schemas were counted when filled")


def _db_size(connection) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        return cursor.fetchone()[0]


if __name__ == "__main__":
    main()
