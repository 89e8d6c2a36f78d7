"""Benchmarks that cannot rot: every script in bench/ runs at its tiny `--smoke` size, as a new process.

A smoke run checks that the script completes and prints its whole table; its figures are never
looked at (they depend on the machine: performance claims live in bench/README.md, not in tests).
A script added to bench/ without a smoke run fails `test_every_bench_script_has_a_smoke_run`.

Speed: instead of each script starting and migrating a PostgreSQL cluster of its own, each gets a
fresh copy (CREATE DATABASE ... TEMPLATE) of one database migrated once here, on the test session's
server, through BENCH_SMOKE_DATABASE_URL (bench/common.smoke_database; honoured only with --smoke).
The scripts run a few at a time (much of each run is spent waiting on PostgreSQL or on a new
process starting); each test then reports its own script.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
TIMEOUT = 600  # seconds per script: a hung run (say, a pool never closed) fails instead of blocking CI
AT_ONCE = 3  # scripts running at the same time

# Scripts that other scripts start; their callers' smoke runs cover them.
HELPERS = {"plain_migrate_schemas.py": "started by migrate_noop.py and migrate_real.py (common.plain_subprocess)"}

# What each script must print at its smoke size: the header of its table and every row.
# Slowest first: they start first.
TABLES = {
    "migrate_index.py": [
        "| fleet migration adding an index, 3 tenants, busy tenant 2000 rows | run s |",
        "| plain django-tenants (multiprocessing executor, new process) |",
        "| ours, --parallel 2 |",
        "writes max: plain / ours = ",
    ],
    "scale.py": [
        "| fleet size | 2 | 3 |",
        "| routing p50 µs, ours (cached) | ",
        "| routing p50 µs, plain django-tenants | ",
        "| routing queries/request, ours | ",
        "| routing queries/request, plain | ",
        "| create_tenant p50 ms, ours from template | ",
        "| create_tenant p50 ms, ours from warm pool | ",
        "| create tenant p50 ms, plain (CREATE SCHEMA + migrate) | ",
        "| no-op migrate_schemas, ours, new process s | ",
        "| no-op migrate_schemas, plain standard, new process s | ",
        "| migrate_schemas --plan, new process s | ",
        "| real migration, ours --parallel s | ",
        "| real migration, raw-SQL floor s | ",
        "| /readyz p50 ms | ",
        "| full migration check of every schema ms (fleet check job; /readyz before) | ",
        "| pg_class rows | ",
        "| pg_attribute rows | ",
        "| catalog (pg_catalog) MB | ",
        "| database GB | ",
        "| disk per tenant kB (database / tenants) | ",
        "| one tenant's own tables+indexes kB | ",
        "| pg_dump of one tenant schema s | ",
        "| worker RSS MB, fresh | ",
        "| worker RSS MB, after touching tenants | ",
        "| its PostgreSQL backend MB, fresh | ",
        "| its PostgreSQL backend MB, after touching tenants | ",
        "| growth: fleet | ms per clone | database GB | at (UTC) |",
    ],
    "provisioning.py": [
        "tenants per method: 1",
        "p50 ms    p95 ms  p50/floor  growth kB",
        "plain-migrate ",
        "plain-clone ",
        "floor ",
        "ours ",
        "ours-tenant ",
        "pool ",
        "pool-tenant ",
        "ours vs plain-migrate: ",
    ],
    "migrate_noop.py": [
        "| no-op `migrate_schemas --tenant`, 2 tenants | median s | runs |",
        "| plain django-tenants, standard executor (in-process) |",
        "| ours, fast path (in-process) |",
        "| plain django-tenants, standard executor (new process) |",
        "| plain django-tenants, multiprocessing executor (new process) |",
        "| ours, `manage.py migrate_schemas --tenant` (new process) |",
        "in-process: plain standard / ours = ",
    ],
    "migrate_real.py": [
        "(schemas cloned from the tenant template)",
        "| one real migration (add column with default + index), 2 tenants | median s | runs |",
        "| plain django-tenants, standard executor |",
        "| plain django-tenants, standard executor (new process) |",
        "| plain django-tenants, multiprocessing executor (new process) |",
        "| ours, sequential |",
        "| ours, --parallel 2 |",
        "| floor: same SQL per schema, one connection |",
        "ours, --parallel 2: ",
    ],
    "partners_lists.py": [
        "loaded 200 products and 40 customers",
        "p50 ms   p95 ms  runs",
        "API products, page 1 ",
        "API products, page 2 ",
        "API products, filter protein+storage",
        "API products, search 'ribeye'",
        "API products, search 'P00019' (10 hits)",
        "API products, order by -description",
        "API customers, page 1",
        "API customers, search 'harbor'",
        "page products, page 1",
        "page products, search 'ribeye'",
        "page customers, page 1",
        "page customers, search 'harbor'",
        "page customers, HTMX sort by name",
    ],
    "routing.py": [
        "requests: 20 over 2 tenant hosts",
        "µs/request  queries/request",
        "plain django-tenants ",
        "ours (cached) ",
        "x faster per request",
    ],
    "stack.py": [
        "| request | engine | statements/request (PostgreSQL) | of which BEGIN/COMMIT |",
        "| request | clients | engine | req/s | p50 ms | p95 ms | other tenant's answers | errors |",
        "throughput ours / plain: ",
    ],
    "backups.py": [
        "invoices  ours backup s  pg_dump s",
        "ours restore s  pg_restore s  in place s  drill s",
    ],
    "orders_reports.py": [
        "loaded 50 invoices for 5 customers",
        "p50 ms   p95 ms  queries",
        "dashboard /",
        "AR aging page",
        "AR aging API",
        "margin by month page",
        "invoices list page",
        "invoices API, overdue filter",
    ],
    "fleet_view.py": [
        "| fleet view, 3 tenants | p50 ms | p95 ms | queries | runs |",
        "| ours: fleet page (100 tenants a page, whole-fleet summaries) |",
        '| ours: "check now" (every schema\'s migrations, stored) |',
        "| naive: per-tenant loop (schema_context + recorder + counts) |",
        "naive / ours (page p50): ",
    ],
    "documents_ledgers.py": [
        "loaded 40 invoices for 1 customer and one 50-line invoice",
        "p50 ms   p95 ms  queries",
        "invoice PDF 50 lines, HTTP (ours)",
        "invoice PDF 50 lines, build (ours)",
        "invoice PDF 50 lines, build (naive)",
        "customer account page (ours)",
        "customer account page (naive)",
        "ledger 3 months (ours)",
        "ledger 3 months (naive, all rows)",
        "statement PDF 3 months (ours)",
    ],
}


def entry_scripts() -> list[str]:
    """bench/*.py that run as scripts (common.py is a module they import)."""
    return sorted(path.name for path in BENCH.glob("*.py") if 'if __name__ == "__main__":' in path.read_text())


def test_every_bench_script_has_a_smoke_run():
    scripts = set(entry_scripts())
    assert {"partners_lists.py", "migrate_noop.py", "plain_migrate_schemas.py"} <= scripts  # the walk finds them
    unlisted = sorted(scripts - set(TABLES) - set(HELPERS))
    assert not unlisted, (
        f"bench scripts without a smoke run: {unlisted}; give each --smoke (bench/common.parse_args) "
        "and list the table it prints in TABLES here (or, if other scripts start it, in HELPERS)"
    )
    assert not set(TABLES) & set(HELPERS)
    assert sorted((set(TABLES) | set(HELPERS)) - scripts) == [], "TABLES/HELPERS name scripts bench/ no longer has"


def _url(database: str) -> str:
    db = settings.DATABASES["default"]
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    host = quote(db["HOST"] or "localhost", safe="")
    return f"postgres://{quote(db['USER'], safe='')}{password}@{host}{port}/{database}"


def _server() -> psycopg.Connection:
    db = settings.DATABASES["default"]
    return psycopg.connect(
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


def _environment(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    return {**env, "DJANGO_SETTINGS_MODULE": "projectmeats.settings.test", **extra}


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (our own scripts)
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )


@pytest.fixture(scope="module")
def seed_database():
    """One database on the test session's server, migrated with a current tenant template, to copy per script."""
    name = f"bench_smoke_{secrets.token_hex(4)}"
    with _server() as server:
        server.execute(f'CREATE DATABASE "{name}"')
    try:
        done = _run(["manage.py", "migrate_schemas", "--noinput", "-v", "0"], _environment(DATABASE_URL=_url(name)))
        assert done.returncode == 0, f"migrating the smoke seed database failed:\n{done.stdout}\n{done.stderr}"
        yield name
    finally:
        with _server() as server:
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _smoke_run(script: str, seed: str) -> subprocess.CompletedProcess:
    """`bench/<script> --smoke` on a fresh copy of the seed database, dropped afterwards."""
    copy = f"{seed}_{script.removesuffix('.py')}"
    with _server() as server:
        server.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{seed}"')
    try:
        return _run([f"bench/{script}", "--smoke"], _environment(BENCH_SMOKE_DATABASE_URL=_url(copy)))
    finally:
        with _server() as server:
            server.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')


@pytest.fixture(scope="module")
def smoke_runs(request, seed_database) -> dict[str, Future]:
    """The smoke runs of the scripts this session selected, started AT_ONCE at a time, slowest first."""
    selected = {
        item.callspec.params["script"]
        for item in request.session.items
        if item.module is request.module and "script" in getattr(getattr(item, "callspec", None), "params", {})
    }
    order = [*TABLES, *sorted(selected - set(TABLES))]
    pool = ThreadPoolExecutor(max_workers=AT_ONCE, thread_name_prefix="bench-smoke")
    try:
        yield {script: pool.submit(_smoke_run, script, seed_database) for script in order if script in selected}
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@pytest.mark.parametrize("script", [name for name in entry_scripts() if name not in HELPERS])
def test_bench_script_runs_at_smoke_size(script, smoke_runs):
    done = smoke_runs[script].result()
    output = f"--- stdout\n{done.stdout}\n--- stderr (end)\n{done.stderr[-4000:]}"
    assert done.returncode == 0, f"bench/{script} --smoke exited {done.returncode}\n{output}"
    assert "smoke run, figures mean nothing:" in done.stdout, output
    expected = TABLES.get(script)
    assert expected, f"bench/{script}: list the table it prints in TABLES"
    missing = [line for line in expected if line not in done.stdout]
    assert not missing, f"bench/{script} --smoke did not print {missing}\n{output}"
