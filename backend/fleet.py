"""Fleet migrations: find the schemas behind with one query, migrate only those, under one lock.

The engine behind our `migrate_schemas` command. A schema already at the target state costs nothing
beyond its share of the catalog query in `backend.migration_state`; a schema behind runs Django's own
`migrate` command with the search path set to it, exactly as django-tenants does, so what is applied
and recorded is what Django would apply. Each schema's outcome is kept (applied / skipped / failed,
the migrations it gained, duration, error) so the caller can report, resume and exit accordingly.

Parallel workers are threads: each has its own database connection (Django keeps connections per
thread), so one schema's failure or broken transaction never touches another's.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from io import StringIO

from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import AddConstraint, AddField, AddIndex, RunSQL
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django_tenants.migration_executors.base import LinePrefixStream
from django_tenants.signals import schema_migrated, schema_pre_migration
from django_tenants.utils import get_public_schema_name, get_tenant_base_migrate_command_class, get_tenant_model

from backend.migration_state import expected_migrations, missing_migrations, tenant_schema_names

# One fixed key for every migration run against this database ("pm-migr" in ASCII). Session-level,
# so it is held across the many transactions of a run and released when the run's connection ends.
LOCK_KEY = 0x706D2D6D696772

APPLIED, SKIPPED, FAILED, PENDING, NOT_RUN = "applied", "skipped", "failed", "pending", "not_run"


class MigrationLockTimeout(Exception):
    def __init__(self, waited: float, holder_pid: int | None):
        self.waited = waited
        self.holder_pid = holder_pid
        holder = f"PostgreSQL backend pid {holder_pid}" if holder_pid else "another session"
        super().__init__(
            f"Another migration run holds the migration lock ({holder}); gave up after {waited:.1f}s. "
            "Wait for it to finish (or raise --lock-timeout) and run again."
        )


@dataclass
class SchemaResult:
    schema: str
    status: str
    migrations: list[str] = field(default_factory=list)
    duration: float = 0.0
    error: str | None = None
    method: str | None = None  # "migrate" (Django's migrate in the schema) or "sql" (replayed)


@dataclass
class FleetRun:
    scope: str  # "shared" or "tenant"
    schemas_total: int
    check_seconds: float
    results: list[SchemaResult]
    duration: float = 0.0

    def count(self, status: str) -> int:
        return sum(1 for result in self.results if result.status == status)

    @property
    def failed(self) -> list[SchemaResult]:
        return [result for result in self.results if result.status == FAILED]

    def as_dict(self) -> dict:
        return {
            "scope": self.scope,
            "schemas_total": self.schemas_total,
            "check_seconds": round(self.check_seconds, 4),
            "duration": round(self.duration, 4),
            "summary": {status: self.count(status) for status in (APPLIED, SKIPPED, FAILED, PENDING, NOT_RUN)},
            "schemas": [
                {**asdict(result), "duration": round(result.duration, 4)}
                for result in sorted(self.results, key=lambda result: result.schema)
            ],
        }


def _lock_holder(cursor) -> int | None:
    cursor.execute(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
        "AND classid = %s AND objid = %s AND objsubid = 1 AND database = "
        "(SELECT oid FROM pg_database WHERE datname = current_database()) LIMIT 1",
        [LOCK_KEY >> 32, LOCK_KEY & 0xFFFFFFFF],
    )
    row = cursor.fetchone()
    return row[0] if row else None


@contextmanager
def migration_lock(
    *, timeout: float, alias: str = DEFAULT_DB_ALIAS, on_wait: Callable[[int | None], None] | None = None
) -> Iterator[None]:
    """Hold the fleet's advisory lock on a connection of its own for the duration of the block.

    Waits up to `timeout` seconds for a run that holds it, then raises MigrationLockTimeout. The lock
    lives on a dedicated connection so that migrations closing or resetting theirs cannot drop it.
    """
    lock_connection = connections[alias].copy()
    started = time.monotonic()
    try:
        with lock_connection.cursor() as cursor:
            told = False
            while True:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
                if cursor.fetchone()[0]:
                    break
                holder = _lock_holder(cursor)
                waited = time.monotonic() - started
                if waited >= timeout:
                    raise MigrationLockTimeout(waited, holder)
                if on_wait is not None and not told:
                    on_wait(holder)
                    told = True
                time.sleep(min(0.2, max(timeout - waited, 0.01)))
        try:
            yield
        finally:
            with lock_connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
    finally:
        lock_connection.close()


def _error_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or exc.__class__.__name__
    return f"{exc.__class__.__name__}: {text}"[:500]


def migrate_schema(
    schema: str,
    *,
    pending: list[str],
    migrate_options: dict,
    alias: str = DEFAULT_DB_ALIAS,
    output: Callable[[str], None] | None = None,
    raise_errors: bool = False,
) -> SchemaResult:
    """Run Django's migrate in one schema on this thread's connection and say what it applied."""
    connection = connections[alias]
    started = time.perf_counter()
    stream = StringIO()
    try:
        schema_pre_migration.send(migrate_schema, schema_name=schema)
        # As django-tenants does: create django_migrations in the schema itself first, otherwise
        # the recorder would find public's table through the search path.
        connection.set_schema(schema, include_public=False)
        MigrationRecorder(connection).ensure_schema()
        connection.set_schema(schema)
        sink = LinePrefixStream(stream, lambda line: f"[{schema}] {line}")
        command = get_tenant_base_migrate_command_class()(stdout=sink, stderr=sink)
        try:
            call_command(command, **migrate_options, database=alias)
        finally:
            sink.flush()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT app || '.' || name FROM django_migrations WHERE app || '.' || name = ANY(%s)", [pending]
            )
            recorded = {row[0] for row in cursor.fetchall()}
        result = SchemaResult(schema, APPLIED, [key for key in pending if key in recorded], method="migrate")
        schema_migrated.send(migrate_schema, schema_name=schema)
    except Exception as exc:
        if raise_errors:
            raise
        result = SchemaResult(schema, FAILED, error=_error_line(exc), method="migrate")
        # Whatever state the failure left this connection in, the next schema starts afresh
        # (unless the caller's transaction owns it: Django rolled the migration's savepoint back).
        if not connection.in_atomic_block:
            connection.close()
    finally:
        if output is not None and stream.getvalue():
            output(stream.getvalue().rstrip("\n"))
        connection.set_schema_to_public()
    result.duration = time.perf_counter() - started
    return result


# Operations whose SQL follows from the migration alone, never from what the database holds (no
# introspection), and that need no post_migrate work (no new models, hence no new content types).
REPLAYABLE_OPERATIONS = (AddField, AddIndex, AddConstraint, RunSQL)


def replayable(keys: tuple[str, ...], loader: MigrationLoader) -> bool:
    """Whether these pending migrations may be applied by replaying their SQL (see replay_schema)."""
    for key in keys:
        migration = loader.graph.nodes.get(tuple(key.split(".", 1)))
        if migration is None or migration.replaces or not migration.atomic:
            return False
        if not all(isinstance(operation, REPLAYABLE_OPERATIONS) for operation in migration.operations):
            return False
    return True


def collect_statements(schema: str, keys: tuple[str, ...], alias: str = DEFAULT_DB_ALIAS) -> list[str]:
    """The SQL Django runs for these migrations in `schema` (what `sqlmigrate` shows), in order."""
    connection = connections[alias]
    connection.set_schema(schema)  # the tenant router emits tenant apps' SQL only in a tenant schema
    try:
        loader = MigrationLoader(connection, ignore_no_migrations=True)
        plan = [(loader.graph.nodes[tuple(key.split(".", 1))], False) for key in keys]
        return loader.collect_sql(plan)
    finally:
        connection.set_schema_to_public()


def replay_schema(
    schema: str, *, keys: tuple[str, ...], statements: list[str], alias: str = DEFAULT_DB_ALIAS
) -> SchemaResult:
    """Apply pending migrations by running the SQL Django produced for an identical schema.

    Only for migrations `replayable()` accepts, after Django's own migrate applied them to a pilot
    schema behind by exactly the same migrations: the statements, then the django_migrations records,
    in one transaction, so a schema that differs fails whole and keeps its state. This is what makes a
    schema-only migration cost about what its SQL costs, instead of a migration executor per schema.
    """
    connection = connections[alias]
    started = time.perf_counter()
    try:
        schema_pre_migration.send(replay_schema, schema_name=schema)
        connection.set_schema(schema)
        applied = timezone.now()
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
            cursor.executemany(
                "INSERT INTO django_migrations (app, name, applied) VALUES (%s, %s, %s)",
                [(*key.split(".", 1), applied) for key in keys],
            )
        result = SchemaResult(schema, APPLIED, list(keys), method="sql")
        schema_migrated.send(replay_schema, schema_name=schema)
    except Exception as exc:
        result = SchemaResult(schema, FAILED, error=_error_line(exc), method="sql")
        if not connection.in_atomic_block:
            connection.close()
    finally:
        connection.set_schema_to_public()
    result.duration = time.perf_counter() - started
    return result


def _tenant_table_exists(alias: str) -> bool:
    table = f"{get_public_schema_name()}.{get_tenant_model()._meta.db_table}"
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [table])
        return cursor.fetchone()[0]


def _summarise(keys: list[str]) -> str:
    if not keys:
        return "nothing new"
    if len(keys) <= 3:
        return ", ".join(keys)
    return f"{len(keys)} migrations ({keys[0]} ... {keys[-1]})"


def _run_workers(
    schemas: list[str], workers: int, run_one: Callable[[str], SchemaResult], stop: threading.Event
) -> list[str]:
    """Run `run_one` over schemas on `workers` threads; returns the schemas never started."""
    todo: queue.SimpleQueue[str] = queue.SimpleQueue()
    for schema in schemas:
        todo.put(schema)

    def work() -> None:
        try:
            while not stop.is_set():
                try:
                    schema = todo.get_nowait()
                except queue.Empty:
                    return
                run_one(schema)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, name=f"migrate-{n}", daemon=True) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    left: list[str] = []
    while True:
        try:
            left.append(todo.get_nowait())
        except queue.Empty:
            return left


def run_fleet(
    *,
    scope: str,
    schemas: list[str] | None = None,
    migrate_options: dict,
    parallel: int = 1,
    plan_only: bool = False,
    fail_fast: bool = False,
    raise_errors: bool = False,
    replay: bool = True,
    alias: str = DEFAULT_DB_ALIAS,
    progress: Callable[[str], None] = print,
    output: Callable[[str], None] | None = None,
) -> FleetRun:
    """Migrate the schemas of `scope` ("shared" or "tenant") that are behind; skip the rest.

    `schemas` narrows a tenant run (default: every tenant). `parallel` > 1 uses that many worker
    threads with their own connections. With `plan_only` nothing is applied and schemas behind are
    reported as pending. A failed schema never stops the others unless `fail_fast` is set; then the
    schemas not yet started are reported as not_run. `raise_errors` re-raises instead (used when the
    caller's transaction must fail with the schema, as in tenant provisioning).

    With `replay`, schemas behind by the same schema-only migrations (`replayable()`) are migrated
    by Django in one pilot schema first; the others then get the SQL Django ran there
    (`replay_schema`). Anything else, and every schema when the pilot fails, runs Django's migrate.
    """
    started = time.perf_counter()
    shared_keys, tenant_keys = expected_migrations()
    if scope == "shared":
        schemas, expected = [get_public_schema_name()], shared_keys
    else:
        if schemas is None:
            # A plan on a database never migrated has no tenant table yet, hence no tenants.
            schemas = tenant_schema_names() if not plan_only or _tenant_table_exists(alias) else []
        schemas, expected = list(schemas), tenant_keys
    behind = missing_migrations(schemas, expected)
    check_seconds = time.perf_counter() - started
    label = "public schema" if scope == "shared" else "tenant schemas"
    progress(
        f"{scope}: {len(schemas)} {label}, {len(behind)} behind, {len(schemas) - len(behind)} current "
        f"(checked in {check_seconds:.2f}s)"
    )
    results = {schema: SchemaResult(schema, SKIPPED) for schema in schemas if schema not in behind}
    run = FleetRun(scope=scope, schemas_total=len(schemas), check_seconds=check_seconds, results=[])

    if plan_only:
        for schema, keys in behind.items():
            results[schema] = SchemaResult(schema, PENDING, list(keys))
            progress(f"{scope} {schema}: {len(keys)} pending: {', '.join(keys)}")
    elif behind:
        total, done = len(behind), 0
        stop = threading.Event()
        report_lock = threading.Lock()

        statements: dict[tuple[str, ...], list[str]] = {}

        def run_one(schema: str) -> SchemaResult:
            nonlocal done
            keys = tuple(behind[schema])
            if keys in statements:
                result = replay_schema(schema, keys=keys, statements=statements[keys], alias=alias)
            else:
                result = migrate_schema(
                    schema,
                    pending=behind[schema],
                    migrate_options=migrate_options,
                    alias=alias,
                    output=output,
                    raise_errors=raise_errors,
                )
            with report_lock:
                done += 1
                results[schema] = result
                if result.status == FAILED:
                    progress(f"{scope} {done}/{total} {schema}: FAILED after {result.duration:.2f}s: {result.error}")
                    if fail_fast:
                        stop.set()
                else:
                    applied = _summarise(result.migrations)
                    how = " (SQL replayed)" if result.method == "sql" else ""
                    progress(f"{scope} {done}/{total} {schema}: applied {applied} in {result.duration:.3f}s{how}")
            return result

        pilots: list[str] = []
        if replay and not raise_errors and not migrate_options.get("fake") and not migrate_options.get("fake_initial"):
            groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
            for schema, keys in behind.items():
                groups[tuple(keys)].append(schema)
            loader = MigrationLoader(None, ignore_no_migrations=True)
            pilots = [members[0] for keys, members in groups.items() if len(members) > 1 and replayable(keys, loader)]
        for pilot in pilots:
            if stop.is_set():
                break
            if run_one(pilot).status == APPLIED:
                keys = tuple(behind[pilot])
                statements[keys] = collect_statements(pilot, keys, alias)
        rest = [schema for schema in behind if schema not in pilots]
        workers = max(1, min(parallel, len(rest)))
        if workers == 1:
            for schema in rest:
                if stop.is_set():
                    break
                run_one(schema)
            not_started = [schema for schema in behind if schema not in results]
        else:
            not_started = _run_workers(rest, workers, run_one, stop) + [p for p in pilots if p not in results]
        for schema in not_started:
            results[schema] = SchemaResult(schema, NOT_RUN, list(behind[schema]))

    run.results = [results[schema] for schema in schemas]
    run.duration = time.perf_counter() - started
    summary = ", ".join(
        f"{run.count(status)} {status}" for status in (APPLIED, SKIPPED, PENDING, FAILED, NOT_RUN) if run.count(status)
    )
    progress(f"{scope}: done in {run.duration:.2f}s: {summary or 'nothing to do'}")
    return run
