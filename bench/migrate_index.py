"""Latency on a busy tenant while a fleet migration adds an index: ours vs plain `migrate_schemas`.

    .venv/bin/python bench/migrate_index.py --tenants 1000 --rows 100000   # ~10 minutes (plain dominates)
    .venv/bin/python bench/migrate_index.py --smoke                       # seconds: the script works

On a throwaway embedded cluster: builds N tenants (cloned from the tenant template), loads ROWS rows
into the busy tenant's `numbering_numbersequence`, then gives the numbering app one more migration, an
`AddIndex` on `last_value` (a temporary copy of its migrations through MIGRATION_MODULES; the project's
files are not touched). While each fleet run adds that index to every tenant, a load process of its own
(no Django, its own connections) keeps reading (point lookups and a short range) and writing (insert,
update) in the busy tenant and times every statement. Runs, each from the same starting state:
  - plain django-tenants' `migrate_schemas --tenant` (multiprocessing executor, new process, by default;
    `--plain standard` for the standard one): a plain CREATE INDEX, writes wait for the whole build;
  - ours (`migrate_schemas --tenant --parallel P`): CREATE INDEX CONCURRENTLY on tables with rows, lock
    and statement timeouts (backend.safe_ddl).
Prints reads and writes p50 / p99 / max and the slow-statement count during each run; asserts nothing
beyond every schema having the index and the record afterwards.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from common import QUIET, ROOT, build_fleet, parse_args, plain_subprocess, setup_django

PACKAGE = "bench_numbering_migrations"
NAME = "9000_bench_last_value_index"
INDEX = "bench_numseq_last_value_idx"
SLOW = 0.05  # seconds: a statement slower than this counts as stalled


def _copy_numbering_migrations() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="bench-migrations-"))
    package = folder / PACKAGE
    shutil.copytree(ROOT / "apps" / "numbering" / "migrations", package, ignore=shutil.ignore_patterns("__pycache__"))
    sys.path.insert(0, str(folder))
    return package


def _add_migration(package: Path) -> None:
    from django.db.migrations.loader import MigrationLoader

    from backend import migration_state

    leaf = max(name for app, name in MigrationLoader(None).graph.leaf_nodes() if app == "numbering")
    (package / f"{NAME}.py").write_text(
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        f"    dependencies = [('numbering', '{leaf}')]\n"
        "    operations = [\n"
        f"        migrations.AddIndex('numbersequence', models.Index(fields=['last_value'], name='{INDEX}')),\n"
        "    ]\n"
    )
    migration_state.clear_caches()


def _undo(names: list[str]) -> None:
    from django.db import connection

    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}".{INDEX}')
            cursor.execute(f"DELETE FROM \"{name}\".django_migrations WHERE app = 'numbering' AND name = %s", [NAME])


def _all_applied(names: list[str]) -> bool:
    from django.db import connection

    from backend.migration_state import expected_migrations, missing_migrations

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE schemaname = ANY(%s) AND indexname = %s", [names, INDEX])
        indexes = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY(%s) AND c.relname = %s "
            "AND NOT i.indisvalid",
            [names, INDEX],
        )
        invalid = cursor.fetchone()[0]
    return indexes == len(names) and not invalid and not missing_migrations(names, expected_migrations()[1])


def _load_rows(schema: str, rows: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{schema}".numbering_numbersequence (kind, year, last_value) '
            "SELECT 'B' || (g / 30000), g %% 30000, g FROM generate_series(1, %s) g",
            [rows],
        )
        cursor.execute(f'ANALYZE "{schema}".numbering_numbersequence')


def load(params: dict, schema: str, rows: int, stop, ready, out: str) -> None:
    """The busy tenant's traffic: one reader and one writer connection, each statement timed (own process)."""
    import random
    import threading

    import psycopg

    table = f'"{schema}".numbering_numbersequence'
    samples: list[tuple[float, str, float]] = []
    lock = threading.Lock()

    def run(kind: str) -> None:
        rng = random.Random(kind)  # noqa: S311 (load pattern, not security)
        with psycopg.connect(**params, autocommit=True) as conn:
            n = 0
            while not stop.is_set():
                g = rng.randint(1, rows)
                key = ("B" + str(g // 30000), g % 30000)
                started = time.perf_counter()
                if kind == "read":
                    if n % 2:
                        conn.execute(f"SELECT last_value FROM {table} WHERE kind = %s AND year = %s", key).fetchone()
                    else:
                        conn.execute(f"SELECT id, kind FROM {table} WHERE id > %s ORDER BY id LIMIT 20", [g]).fetchall()
                elif n % 2:
                    conn.execute(f"UPDATE {table} SET last_value = last_value + 1 WHERE kind = %s AND year = %s", key)
                else:
                    conn.execute(
                        f"INSERT INTO {table} (kind, year, last_value) VALUES (%s, %s, 0)",
                        [f"W{os.getpid() % 1000}{n // 30000}", n % 30000],
                    )
                elapsed = time.perf_counter() - started
                with lock:
                    samples.append((time.time(), kind, elapsed))
                n += 1
                time.sleep(0.002)

    threads = [threading.Thread(target=run, args=(kind,)) for kind in ("read", "write")]
    for thread in threads:
        thread.start()
    ready.set()
    for thread in threads:
        thread.join()
    Path(out).write_text(json.dumps(samples))


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def measure(label: str, run, *, params: dict, busy: str, rows: int) -> dict:
    context = multiprocessing.get_context("spawn")
    stop, ready = context.Event(), context.Event()
    out = tempfile.mktemp(prefix="bench-load-", suffix=".json")  # noqa: S306 (the child writes it once)
    loader = context.Process(target=load, args=(params, busy, rows, stop, ready, out))
    loader.start()
    ready.wait(60)
    time.sleep(1.0)  # traffic settles before the run starts
    started = time.time()
    run()
    ended = time.time()
    stop.set()
    loader.join(60)
    samples = json.loads(Path(out).read_text())
    os.unlink(out)
    during = [(kind, seconds) for at, kind, seconds in samples if started <= at <= ended]
    result = {"label": label, "seconds": ended - started}
    for kind in ("read", "write"):
        values = [seconds for k, seconds in during if k == kind]
        result[kind] = {
            "n": len(values),
            "p50": _percentile(values, 0.50) * 1000,
            "p99": _percentile(values, 0.99) * 1000,
            "max": max(values, default=float("nan")) * 1000,
            "slow": sum(1 for value in values if value > SLOW),
        }
    return result


def print_results(title: str, results: list[dict]) -> None:
    print()
    print(f"| {title} | run s | reads p50 ms | reads p99 ms | reads max ms | writes p50 ms | writes p99 ms "
          f"| writes max ms | statements > {SLOW * 1000:.0f} ms |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        read, write = r["read"], r["write"]
        print(
            f"| {r['label']} | {r['seconds']:.1f} | {read['p50']:.2f} | {read['p99']:.2f} | {read['max']:.1f} "
            f"| {write['p50']:.2f} | {write['p99']:.2f} | {write['max']:.1f} | {read['slow'] + write['slow']} "
            f"of {read['n'] + write['n']} |"
        )
    plain, ours = results[0], results[-1]
    for kind in ("read", "write"):
        for stat in ("p99", "max"):
            ratio = plain[kind][stat] / ours[kind][stat] if ours[kind][stat] else float("nan")
            print(f"{kind}s {stat}: plain / ours = {ratio:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=1000, help="tenant schemas (default 1000)")
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the busy tenant's table (default 100000)")
    parser.add_argument("--parallel", type=int, default=os.cpu_count() or 2, help="workers for ours --parallel")
    parser.add_argument(
        "--plain", choices=("multiprocessing", "standard"), default="multiprocessing", help="django-tenants executor"
    )
    args = parse_args(parser, smoke={"tenants": 3, "rows": 2000, "parallel": 2})

    package = _copy_numbering_migrations()
    setup_django(smoke=args.smoke, MIGRATION_MODULES={"numbering": PACKAGE})
    from django.core.management import call_command
    from django.db import connection

    names = build_fleet(args.tenants, args.parallel, clone=True)
    busy = names[len(names) // 2]
    _load_rows(busy, args.rows)
    _add_migration(package)
    params = {key: value for key, value in connection.get_connection_params().items() if key != "cursor_factory"}
    params.pop("context", None)
    print(f"busy tenant {busy}: {args.rows} rows; the migration adds index {INDEX} on last_value")

    bench_env = {
        "BENCH_MIGRATION_MODULES": json.dumps({"numbering": PACKAGE}),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(package.parent), os.environ.get("PYTHONPATH")])),
    }
    runs = [
        (f"plain django-tenants ({args.plain} executor, new process)",
         lambda: plain_subprocess(args.plain, extra_env=bench_env)),
        (f"ours, --parallel {args.parallel}",
         lambda: call_command("migrate_schemas", tenant=True, parallel=args.parallel, lock_timeout=60, **QUIET)),
    ]  # fmt: skip
    results = []
    for label, run in runs:
        _undo(names)
        results.append(measure(label, run, params=params, busy=busy, rows=args.rows))
        connection.set_schema_to_public()
        assert _all_applied(names), f"{label} left schemas without the index"  # noqa: S101
    print_results(f"fleet migration adding an index, {args.tenants} tenants, busy tenant {args.rows} rows", results)
    shutil.rmtree(package.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
