"""Fleet scale: one PostgreSQL node from 100 to 10,000 tenants, ours beside plain django-tenants where it finishes.

    .venv/bin/python bench/scale.py [--sizes 100,1000,5000,10000] [--until 16:15] [--smoke]
    .venv/bin/python bench/scale.py --report          # print the stored figures again

Keeps its own embedded cluster in --data-dir (git-ignored `.data/bench-scale/`; never DATABASE_URL) and
grows one fleet there by template clone, `--batch` schemas per transaction, so a run that stops (Ctrl-C,
--until reached) keeps what it built and the next run carries on. At each size it measures (results kept
in `results.json` beside the cluster; a size already measured is skipped unless --remeasure):
  - routing: per-request p50 and queries of ours (cached) and plain django-tenants' middleware;
  - create_tenant p50: ours cloning the template, ours taking from the warm pool, plain (CREATE SCHEMA +
    django-tenants' migrate_schemas for it);
  - no-op `migrate_schemas --tenant` and `--plan` as new processes (plain django-tenants' standard
    executor up to --plain-max tenants);
  - one real migration (audit: add column with default + index) with ours --parallel vs the raw-SQL
    floor (same SQL per schema over one connection), up to --real-max tenants;
  - /readyz, catalog size (pg_class / pg_attribute rows, catalog bytes, disk per tenant), the RSS of one
    worker process after serving 1,000 tenants (--touch), and pg_dump of one tenant schema.
The growth curve (clone cost and database size while the fleet grows) is printed as well.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "projectmeats.settings.test")

from common import ROOT, parse_args, smoke_database  # noqa: E402 (bench/ is the script's folder)

PREFIX = "scale_"


def _wall_clock() -> datetime:
    """The bench reports and stops by the wall clock (not product time): backend.clock's platform now."""
    from backend.clock import now

    return now().astimezone(UTC)


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100,1000,5000,10000", help="fleet sizes to report at")
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".data" / "bench-scale")
    parser.add_argument("--batch", type=int, default=25, help="schemas cloned per transaction")
    parser.add_argument("--jobs", type=int, default=1, help="connections cloning at once while growing")
    parser.add_argument("--no-measure", action="store_true", help="only grow the fleet to the largest size")
    parser.add_argument("--until", metavar="HH:MM", help="stop growing at this UTC time; report the size reached")
    parser.add_argument("--samples", type=int, default=5, help="create_tenant runs per method and size")
    parser.add_argument("--requests", type=int, default=3000, help="routed requests per middleware")
    parser.add_argument("--touch", type=int, default=1000, help="tenants one worker serves before its RSS is read")
    parser.add_argument("--plain-max", type=int, default=1000, help="largest fleet for plain's fleet-wide migrate")
    parser.add_argument("--real-max", type=int, default=1000, help="largest fleet for the real migration")
    parser.add_argument("--log-every", type=int, default=500, help="growth-curve point every N tenants")
    parser.add_argument("--remeasure", action="store_true", help="measure sizes already in results.json again")
    parser.add_argument("--report", action="store_true", help="only print the stored figures")
    parser.add_argument("--worker-memory", type=int, help=argparse.SUPPRESS)  # internal: the worker process
    smoke = {"sizes": "2,3", "batch": 1, "samples": 1, "requests": 20, "touch": 3, "plain_max": 3, "real_max": 3}
    return parse_args(parser, smoke={**smoke, "log_every": 1})


def _database_url(db: dict) -> str:
    host = quote(db.get("HOST") or "localhost", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{quote(db['USER'], safe='')}{password}@{host}{port}/{db['NAME']}"


def _setup(args: argparse.Namespace) -> Path:
    """Django on the bench's own persistent cluster (smoke runs: the smoke test's copy or a throwaway one)."""
    if args.smoke:
        os.environ.pop("DATABASE_URL", None)
        smoke_database(True)
        scratch = tempfile.mkdtemp(prefix="bench-scale-")
        atexit.register(shutil.rmtree, scratch, ignore_errors=True)
        results = Path(scratch) / "results.json"
    elif args.worker_memory is not None:
        results = args.data_dir / "results.json"  # DATABASE_URL was given by the parent run
    else:
        from backend.embedded_db import persistent_database

        os.environ["DATABASE_URL"] = _database_url(persistent_database(args.data_dir / "pgdata", name="scale"))
        results = args.data_dir / "results.json"
    import django

    django.setup()
    return results


def _new_process(*argv: str) -> float:
    """Seconds for `python <argv>` against this cluster (as CI or an operator would run it)."""
    from django.db import connection

    env = {**os.environ, "DATABASE_URL": _database_url(connection.settings_dict)}
    started = time.perf_counter()
    subprocess.run([sys.executable, *argv], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
    return time.perf_counter() - started


def _scalar(sql: str, params=()):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _fleet_size() -> int:
    return _scalar("SELECT count(*) FROM tenants_client WHERE schema_name LIKE %s", [PREFIX + "%"])


# --- Growing the fleet ----------------------------------------------------------------------------------


def _missing(target: int) -> list[str]:
    """Fleet names below `target` that do not exist yet (parallel batches may leave gaps when stopped)."""
    from apps.tenants.models import Client

    existing = set(Client.objects.filter(schema_name__startswith=PREFIX).values_list("schema_name", flat=True))
    return [name for n in range(target) if (name := f"{PREFIX}{n:05d}") not in existing]


def _clone_batch(names: list[str]) -> None:
    from django.db import transaction

    from apps.tenants.models import Client, Domain
    from backend.provisioning import clone_template_into

    with transaction.atomic():
        for name in names:
            clone_template_into(name)
        tenants = Client.objects.bulk_create([Client(schema_name=name, name=name) for name in names])
        Domain.objects.bulk_create(
            [Domain(domain=_host(t.schema_name), tenant=t, is_primary=True, is_verified=True) for t in tenants]
        )


def grow(target: int, *, batch: int, jobs: int, log_every: int, deadline: float | None, growth: list) -> int:
    """Clone the template until `target` fleet tenants exist (or the deadline passes); returns the size.

    `jobs` connections clone at once, each committing `batch` schemas per transaction.
    """
    import threading

    from django.db import connection

    missing = _missing(target)
    batches = [missing[i : i + batch] for i in range(0, len(missing), batch)]
    lock = threading.Lock()
    state = {"size": _fleet_size(), "mark": _fleet_size(), "mark_time": time.perf_counter(), "error": None}

    def work() -> None:
        try:
            while deadline is None or time.time() < deadline:
                with lock:
                    if not batches or state["error"]:
                        return
                    names = batches.pop(0)
                _clone_batch(names)
                with lock:
                    state["size"] += len(names)
                    size = state["size"]
                    if size - state["mark"] >= log_every or size == target:
                        per_tenant = (time.perf_counter() - state["mark_time"]) / (size - state["mark"])
                        db_bytes = _scalar("SELECT pg_database_size(current_database())")
                        growth.append([size, round(per_tenant * 1000, 1), db_bytes, _wall_clock().strftime("%H:%M")])
                        gib = db_bytes / 2**30
                        print(f"fleet {size}: {per_tenant * 1000:.0f} ms per clone, database {gib:.2f} GiB", flush=True)
                        state["mark"], state["mark_time"] = size, time.perf_counter()
        except BaseException as exc:  # noqa: BLE001 (handed to the main thread, which raises it)
            state["error"] = exc
        finally:
            connection.close()

    if jobs <= 1:
        work()
    else:
        threads = [threading.Thread(target=work) for _ in range(jobs)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    if state["error"]:
        raise state["error"]
    return _fleet_size()


def _host(schema_name: str) -> str:
    return f"{schema_name.replace('_', '-')}.localhost"


# --- Measurements ---------------------------------------------------------------------------------------


def _p50_ms(times: list[float]) -> float:
    return round(statistics.median(times) * 1000, 2)


def measure_routing(size: int, requests: int) -> dict:
    from django.db import connection
    from django.http import HttpResponse
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext
    from django_tenants.middleware.main import TenantMainMiddleware

    from backend.tenancy import TenantMiddleware

    rng = random.Random(size)  # noqa: S311 (a reproducible sample of hosts, not a secret)
    # The same hot set at every size (200 hosts: below LocMemCache's 300-entry cull in development).
    hosts = [_host(f"{PREFIX}{n:05d}") for n in rng.sample(range(size), min(size, 200))]
    factory = RequestFactory()
    batch = [factory.get("/", HTTP_HOST=hosts[i % len(hosts)]) for i in range(requests)]
    out = {}
    for label, middleware in (("plain", TenantMainMiddleware), ("ours", TenantMiddleware)):
        instance = middleware(lambda request: HttpResponse())
        for request in batch[: len(hosts)]:  # every host once: caches warm, as in a long-running worker
            instance.process_request(request)
        times = []
        with CaptureQueriesContext(connection) as queries:
            for request in batch:
                started = time.perf_counter()
                instance.process_request(request)
                times.append(time.perf_counter() - started)
        connection.set_schema_to_public()
        out[f"routing_{label}_us"] = round(statistics.median(times) * 1e6, 1)
        out[f"routing_{label}_queries"] = round(len(queries.captured_queries) / len(batch), 2)
    return out


def measure_create(size: int, samples: int) -> dict:
    from django.core.management import call_command
    from django.db import connection
    from django_tenants.management.commands.migrate_schemas import Command as PlainMigrateSchemas

    from apps.tenants.services import tenant_create
    from backend import provisioning

    def create(kind: str, i: int) -> float:
        name = f"x{size}_{kind}_{i}"
        started = time.perf_counter()
        email = f"o@{name.replace('_', '-')}.test"
        tenant = tenant_create(schema_name=name, name=name, domain=_host(name), owner_email=email)
        elapsed = time.perf_counter() - started
        assert tenant.provisioning.method == ("pool" if kind == "pool" else "template"), tenant.provisioning  # noqa: S101
        return elapsed

    def plain(i: int) -> float:
        name = f"x{size}_plain_{i}"
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{name}"')
        call_command(PlainMigrateSchemas(), tenant=True, schema_name=name, interactive=False, verbosity=0)
        elapsed = time.perf_counter() - started
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA "{name}" CASCADE')
        return elapsed

    provisioning.template_prepare()
    ours = [create("ours", i) for i in range(samples)]
    provisioning.pool_refill(size=samples)  # filled ahead, not timed: the refill job does it in production
    pool = [create("pool", i) for i in range(samples)]
    plain_times = [plain(i) for i in range(min(samples, 3))]
    return {"create_ours_ms": _p50_ms(ours), "create_pool_ms": _p50_ms(pool), "create_plain_ms": _p50_ms(plain_times)}


def measure_migrate(size: int, *, plain_max: int) -> dict:
    manage = ("manage.py", "migrate_schemas", "--tenant", "--noinput", "-v", "0")
    out = {"noop_ours_s": round(min(_new_process(*manage) for _ in range(2)), 2)}
    plan = ("manage.py", "migrate_schemas", "--tenant", "--plan", "-v", "0")
    out["plan_ours_s"] = round(_new_process(*plan), 2)
    if size <= plain_max:
        plain = ("bench/plain_migrate_schemas.py", "--tenant", "--executor=standard", "--noinput", "-v", "0")
        out["noop_plain_s"] = round(_new_process(*plain), 2)
    return out


def measure_real_migration(package: Path, parallel: int) -> dict:
    from django.core.management import call_command
    from django.db import connection, transaction
    from migrate_real import NAME, _add_migration, _all_applied, _undo

    from apps.tenants.models import Client
    from backend import migration_state, provisioning

    names = list(Client.objects.exclude(schema_name="public").values_list("schema_name", flat=True))
    _add_migration(package)
    connection.set_schema(names[0])
    from io import StringIO

    buffer = StringIO()
    call_command("sqlmigrate", "audit", NAME, stdout=buffer)
    connection.set_schema_to_public()
    statements = [
        line for line in buffer.getvalue().splitlines() if line and not line.startswith(("--", "BEGIN;", "COMMIT;"))
    ]

    def floor() -> None:
        with connection.cursor() as cursor:
            for name in names:
                connection.set_schema(name)  # the engine sends the search_path with each statement
                with transaction.atomic():
                    for statement in statements:
                        cursor.execute(statement)
                    record = "INSERT INTO django_migrations (app, name, applied) VALUES ('audit', %s, now())"
                    cursor.execute(record, [NAME])

    def ours() -> None:
        call_command("migrate_schemas", tenant=True, parallel=parallel, interactive=False, verbosity=0)

    out = {}
    for key, run in (("real_ours_s", ours), ("real_floor_s", floor)):
        _undo(names)
        connection.set_schema_to_public()
        started = time.perf_counter()
        run()
        out[key] = round(time.perf_counter() - started, 2)
        connection.set_schema_to_public()
        assert _all_applied(names), f"{key} left schemas behind"  # noqa: S101 (a broken run must not be reported)
    _undo([*names, provisioning.template_schema_name()])
    (package / f"{NAME}.py").unlink()
    migration_state.clear_caches()
    provisioning._cached_dump = None
    return out


def measure_readyz() -> dict:
    """/readyz as a probe sees it (the fleet record read, cache off), and the full check that records it."""
    from django.conf import settings
    from django.test import Client as HttpClient

    from backend.health import readiness_cache_clear
    from backend.migration_state import schemas_behind

    started = time.perf_counter()
    assert schemas_behind() == {}  # noqa: S101 (the fleet check job's full check; it records the fleet)
    full = time.perf_counter() - started
    client = HttpClient(HTTP_HOST="localhost")
    times = []
    for _ in range(5):
        readiness_cache_clear()
        started = time.perf_counter()
        response = client.get("/readyz")
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.content  # noqa: S101
    assert settings.READYZ_FLEET_RECHECK_SECONDS > 60  # noqa: S101 (so the probes above read the record)
    return {"readyz_ms": _p50_ms(times), "fleet_check_ms": round(full * 1000, 1)}


def measure_catalog(size: int) -> dict:
    from backend.pg_tools import connection_args, pg_dump_path

    catalog = """SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'm')"""
    db_bytes = _scalar("SELECT pg_database_size(current_database())")
    args, env = connection_args()
    started = time.perf_counter()
    command = [pg_dump_path(), "--schema", f"{PREFIX}00000", "--file", os.devnull, *args]
    subprocess.run(command, env=env, check=True, capture_output=True)  # noqa: S603
    return {
        "pg_class_rows": _scalar("SELECT count(*) FROM pg_class"),
        "pg_attribute_rows": _scalar("SELECT count(*) FROM pg_attribute"),
        "catalog_mb": round(int(_scalar(catalog, ["pg_catalog"])) / 2**20, 1),
        "db_gb": round(db_bytes / 2**30, 2),
        "disk_per_tenant_kb": round(db_bytes / max(_fleet_size(), 1) / 1024),
        "tenant_tables_kb": round(int(_scalar(catalog, [f"{PREFIX}00000"])) / 1024),
        "pg_dump_one_s": round(time.perf_counter() - started, 2),
    }


def measure_worker_memory(touch: int) -> dict:
    """RSS of a fresh worker process before and after serving `touch` tenants (a page and an ORM query each)."""
    from django.db import connection

    env = {**os.environ, "DATABASE_URL": _database_url(connection.settings_dict)}
    script = [sys.executable, "bench/scale.py", "--worker-memory", str(touch)]
    result = subprocess.run(script, cwd=ROOT, env=env, check=True, capture_output=True, text=True)  # noqa: S603
    return json.loads(result.stdout.strip().splitlines()[-1])


def worker_memory(touch: int) -> None:
    import psutil
    from django.db import connection
    from django.test import Client as HttpClient

    from apps.audit.models import AuditEvent

    # One persistent connection, as a production worker thread keeps (test settings close it per request).
    connection.close()
    connection.settings_dict["CONN_MAX_AGE"] = None
    process = psutil.Process()
    HttpClient(HTTP_HOST="localhost").get("/healthz")
    before = process.memory_info().rss
    backend_before = _backend_memory()
    names = [f"{PREFIX}{n:05d}" for n in range(min(touch, _fleet_size()))]
    for name in names:
        assert HttpClient(HTTP_HOST=_host(name)).get("/login/").status_code == 200  # noqa: S101
        connection.set_schema(name)
        AuditEvent.objects.exists()
        connection.set_schema_to_public()
    after = process.memory_info().rss
    figures = {"worker_rss_before_mb": round(before / 2**20), "worker_rss_after_mb": round(after / 2**20)}
    # The PostgreSQL backend serving that worker caches the catalog entries of every relation it touched.
    figures |= {"backend_mem_before_mb": backend_before, "backend_mem_after_mb": _backend_memory()}
    print(json.dumps(figures))


def _backend_memory() -> float:
    """MB used by this connection's PostgreSQL backend (its memory contexts: catalog caches included)."""
    return round(int(_scalar("SELECT sum(total_bytes) FROM pg_backend_memory_contexts")) / 2**20, 1)


# --- Report ---------------------------------------------------------------------------------------------

ROWS = [
    ("routing p50 µs, ours (cached)", "routing_ours_us"),
    ("routing p50 µs, plain django-tenants", "routing_plain_us"),
    ("routing queries/request, ours", "routing_ours_queries"),
    ("routing queries/request, plain", "routing_plain_queries"),
    ("create_tenant p50 ms, ours from template", "create_ours_ms"),
    ("create_tenant p50 ms, ours from warm pool", "create_pool_ms"),
    ("create tenant p50 ms, plain (CREATE SCHEMA + migrate)", "create_plain_ms"),
    ("no-op migrate_schemas, ours, new process s", "noop_ours_s"),
    ("no-op migrate_schemas, plain standard, new process s", "noop_plain_s"),
    ("migrate_schemas --plan, new process s", "plan_ours_s"),
    ("real migration, ours --parallel s", "real_ours_s"),
    ("real migration, raw-SQL floor s", "real_floor_s"),
    ("/readyz p50 ms", "readyz_ms"),
    ("full migration check of every schema ms (fleet check job; /readyz before)", "fleet_check_ms"),
    ("pg_class rows", "pg_class_rows"),
    ("pg_attribute rows", "pg_attribute_rows"),
    ("catalog (pg_catalog) MB", "catalog_mb"),
    ("database GB", "db_gb"),
    ("disk per tenant kB (database / tenants)", "disk_per_tenant_kb"),
    ("one tenant's own tables+indexes kB", "tenant_tables_kb"),
    ("pg_dump of one tenant schema s", "pg_dump_one_s"),
    ("worker RSS MB, fresh", "worker_rss_before_mb"),
    ("worker RSS MB, after touching tenants", "worker_rss_after_mb"),
    ("its PostgreSQL backend MB, fresh", "backend_mem_before_mb"),
    ("its PostgreSQL backend MB, after touching tenants", "backend_mem_after_mb"),
]


def report(results: dict) -> None:
    sizes = sorted(results["sizes"], key=int)
    print()
    print("| fleet size | " + " | ".join(f"{int(s):,}" for s in sizes) + " |")
    print("|---|" + "---:|" * len(sizes))
    for label, key in ROWS:
        values = [results["sizes"][s].get(key) for s in sizes]
        print(f"| {label} | " + " | ".join("—" if v is None else f"{v:,}" for v in values) + " |")
    print()
    print("| growth: fleet | ms per clone | database GB | at (UTC) |")
    print("|---:|---:|---:|---|")
    for size, per_clone, db_bytes, at in results["growth"]:
        print(f"| {size:,} | {per_clone} | {db_bytes / 2**30:.2f} | {at} |")


def main() -> None:
    args = _args()
    results_path = _setup(args)
    if args.worker_memory is not None:
        worker_memory(args.worker_memory)
        return
    results = json.loads(results_path.read_text()) if results_path.exists() else {"sizes": {}, "growth": []}
    if args.report:
        report(results)
        return
    from django.core.management import call_command
    from django.db import connection

    # The real migration adds a bench-only audit migration in a copy of audit's migrations package.
    from migrate_real import PACKAGE, _copy_audit_migrations

    from apps.tenants.services import super_tenant_ensure
    from backend import provisioning

    package = _copy_audit_migrations()
    from django.conf import settings

    settings.MIGRATION_MODULES = {**getattr(settings, "MIGRATION_MODULES", {}), "audit": PACKAGE}

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    super_tenant_ensure()
    if not provisioning.template_prepare():
        raise SystemExit("the tenant template cannot be cloned here (see the log)")
    print(f"PostgreSQL {connection.cursor().connection.info.server_version}, {os.cpu_count()} CPUs", flush=True)
    deadline = None
    if args.until:
        hour, minute = map(int, args.until.split(":"))
        deadline = _wall_clock().replace(hour=hour, minute=minute, second=0).timestamp()
    try:
        for target in sorted(int(s) for s in args.sizes.split(",")):
            if args.no_measure and target != max(int(s) for s in args.sizes.split(",")):
                continue
            size = grow(
                target,
                batch=args.batch,
                jobs=args.jobs,
                log_every=args.log_every,
                deadline=deadline,
                growth=results["growth"],
            )
            results_path.parent.mkdir(parents=True, exist_ok=True)
            results_path.write_text(json.dumps(results, indent=1))
            if args.no_measure:
                break
            if size > target or (str(size) in results["sizes"] and not args.remeasure):
                continue  # the fleet is already past this size, or it was measured
            print(f"measuring at {size} tenants", flush=True)
            figures = {"measured_at": _wall_clock().strftime("%Y-%m-%d %H:%M")}
            figures |= measure_catalog(size)
            figures |= measure_routing(size, args.requests)
            figures |= measure_readyz()
            figures |= measure_migrate(size, plain_max=args.plain_max)
            if size <= args.real_max:
                figures |= measure_real_migration(package, os.cpu_count() or 2)
            figures |= measure_worker_memory(args.touch)
            figures |= measure_create(size, args.samples)
            results["sizes"][str(size)] = figures
            results_path.write_text(json.dumps(results, indent=1))
            print(json.dumps(figures), flush=True)
            if size < target:
                print(f"stopped growing at {size} tenants (--until {args.until})")
                break
    finally:
        shutil.rmtree(package.parent, ignore_errors=True)
    report(results)


if __name__ == "__main__":
    main()
