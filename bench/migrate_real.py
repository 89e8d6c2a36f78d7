"""One real tenant migration (add a column with a default and an index) across N tenants.

    .venv/bin/python bench/migrate_real.py --tenants 100

On a throwaway embedded cluster: builds N migrated tenants, then adds a benchmark-only migration to
the audit app (a copy of its migrations in a temporary package, through MIGRATION_MODULES; the
project's files are not touched) and times, each starting from the same state:
  - plain django-tenants' command, standard executor, in-process; then standard and multiprocessing
    executors each in a new process (bench/plain_migrate_schemas.py: django-tenants' own command class;
    the multiprocessing executor hangs in-process, its pool is never closed);
  - ours, sequential and with --parallel;
  - the floor: the same SQL (from sqlmigrate) run per schema over one connection, plus the record.
Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import statistics
import sys
import tempfile
from io import StringIO
from pathlib import Path

from common import QUIET, ROOT, build_fleet, parse_args, plain_subprocess, print_table, setup_django, timed

PACKAGE = "bench_audit_migrations"
NAME = "9000_bench_flag"


def _copy_audit_migrations() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="bench-migrations-"))
    package = folder / PACKAGE
    shutil.copytree(ROOT / "apps" / "audit" / "migrations", package, ignore=shutil.ignore_patterns("__pycache__"))
    sys.path.insert(0, str(folder))
    return package


def _add_migration(package: Path) -> None:
    from django.db.migrations.loader import MigrationLoader

    leaf = max(name for app, name in MigrationLoader(None).graph.leaf_nodes() if app == "audit")
    (package / f"{NAME}.py").write_text(
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        f"    dependencies = [('audit', '{leaf}')]\n"
        "    operations = [\n"
        "        migrations.AddField('auditevent', 'bench_flag', models.IntegerField(default=0, db_index=True)),\n"
        "    ]\n"
    )
    importlib.invalidate_caches()
    from backend import migration_state

    migration_state.clear_caches()


def _undo(names: list[str]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f'ALTER TABLE "{name}".audit_auditevent DROP COLUMN IF EXISTS bench_flag')
            cursor.execute(f"DELETE FROM \"{name}\".django_migrations WHERE app = 'audit' AND name = '{NAME}'")


def _all_applied(names: list[str]) -> bool:
    from django.db import connection

    from backend.migration_state import expected_migrations, missing_migrations

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = ANY(%s) "
            "AND table_name = 'audit_auditevent' AND column_name = 'bench_flag'",
            [names],
        )
        columns = cursor.fetchone()[0]
    return columns == len(names) and not missing_migrations(names, expected_migrations()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=100, help="number of tenant schemas (default 100)")
    parser.add_argument("--parallel", type=int, default=os.cpu_count() or 2, help="workers for ours --parallel")
    parser.add_argument(
        "--clone", action="store_true", help="build the fleet by cloning the tenant template (faster at 1,000)"
    )
    parser.add_argument(
        "--plain",
        choices=("all", "new-process", "multiprocessing"),
        default="all",
        help="plain django-tenants runs: all (default), only those in a new process, or only the "
        "multiprocessing executor (the standard executor takes many minutes at 1,000 tenants)",
    )
    args = parse_args(parser, smoke={"tenants": 2, "parallel": 2, "clone": True})

    package = _copy_audit_migrations()
    setup_django(smoke=args.smoke, MIGRATION_MODULES={"audit": PACKAGE})
    from django.core.management import call_command
    from django.db import connection, transaction
    from django_tenants.management.commands.migrate_schemas import Command as PlainMigrateSchemas

    names = build_fleet(args.tenants, args.parallel, clone=args.clone)
    _add_migration(package)
    out = StringIO()
    connection.set_schema(names[0])  # the tenant router emits audit's SQL only in a tenant schema
    call_command("sqlmigrate", "audit", NAME, stdout=out)
    connection.set_schema_to_public()
    statements = [line for line in out.getvalue().splitlines() if line and line.split()[0] not in ("BEGIN;", "COMMIT;")]
    statements = [line for line in statements if not line.startswith("--")]
    if not statements:
        raise SystemExit("sqlmigrate produced no SQL for the benchmark migration")
    print("the migration's SQL:", " ".join(statements))

    def floor():
        with connection.cursor() as cursor:
            for name in names:
                # The engine sends each statement with the connection's search_path (SET LOCAL), so the
                # schema is chosen through it, not by a SET of our own.
                connection.set_schema(name)
                with transaction.atomic():
                    for statement in statements:
                        cursor.execute(statement)
                    cursor.execute(
                        "INSERT INTO django_migrations (app, name, applied) VALUES ('audit', %s, now())", [NAME]
                    )
            connection.set_schema_to_public()

    # The subprocesses see the same benchmark migration: the temporary package on PYTHONPATH.
    bench_env = {
        "BENCH_MIGRATION_MODULES": json.dumps({"audit": PACKAGE}),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(package.parent), os.environ.get("PYTHONPATH")])),
    }
    runs = [
        ("plain django-tenants, standard executor", lambda: call_command(
            PlainMigrateSchemas(), tenant=True, executor="standard", **QUIET)),
        ("plain django-tenants, standard executor (new process)", lambda: plain_subprocess(
            "standard", extra_env=bench_env)),
        ("plain django-tenants, multiprocessing executor (new process)", lambda: plain_subprocess(
            "multiprocessing", extra_env=bench_env)),
        ("ours, sequential", lambda: call_command("migrate_schemas", tenant=True, **QUIET)),
        (f"ours, --parallel {args.parallel}", lambda: call_command(
            "migrate_schemas", tenant=True, parallel=args.parallel, **QUIET)),
        ("floor: same SQL per schema, one connection", floor),
    ]  # fmt: skip
    if args.plain != "all":
        skip = 2 if args.plain == "multiprocessing" else 1
        runs = runs[skip:]
    rows = []
    for label, run in runs:
        _undo(names)
        connection.set_schema_to_public()
        rows.append((label, timed(run)))
        connection.set_schema_to_public()
        assert _all_applied(names), f"{label} left schemas behind"  # noqa: S101 (a broken run must not be reported)
    print_table(f"one real migration (add column with default + index), {args.tenants} tenants", rows)
    floor_time = statistics.median(rows[-1][1])
    for label, times in rows[:-1]:
        print(f"{label}: {statistics.median(times) / floor_time:.1f}x the floor")
    shutil.rmtree(package.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
