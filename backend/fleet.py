"""Fleet migrations: find the schemas behind with one query, migrate only those, under one lock.

The engine behind our `migrate_schemas` command. A schema already at the target state costs nothing
beyond its share of the catalog query in `backend.migration_state`; a schema behind runs Django's own
`migrate` command with the search path set to it, exactly as django-tenants does, so what is applied
and recorded is what Django would apply. Each schema's outcome is kept (applied / skipped / failed,
the migrations it gained, duration, error) so the caller can report, resume and exit accordingly.

Parallel workers are threads: each has its own database connection (Django keeps connections per
thread), so one schema's failure or broken transaction never touches another's.

Stages (`backend.migration_state`): a `pre` run applies only the expand migrations and leaves the
contract ones for `post`. Safe DDL (`backend.safe_ddl`): each schema migrates with a lock and a
statement timeout and builds indexes on tables with rows concurrently; a schema whose lock is not
granted goes back in the queue (backoff doubling) while the others go on, and after the last attempt
is reported `lock_timeout` — a re-run completes it.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from io import StringIO

from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import AddConstraint, AddField, AddIndex, RunSQL
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django_tenants.migration_executors.base import LinePrefixStream
from django_tenants.signals import schema_migrated, schema_pre_migration
from django_tenants.utils import get_public_schema_name, get_tenant_base_migrate_command_class, get_tenant_model

from backend.fleet_schedule import run_scheduled
from backend.migration_state import (
    ALL,
    expected_migrations,
    migrate_targets,
    missing_migrations,
    post_deploy_keys,
    split_by_stage,
    tenant_schema_names,
)
from backend.safe_ddl import (
    DDLPolicy,
    build_index_concurrently,
    inline_if_empty,
    is_concurrent_index,
    is_lock_timeout,
    safe_ddl,
    set_timeouts,
)

# One fixed key for every migration run against this database ("pm-migr" in ASCII). Session-level,
# so it is held across the many transactions of a run and released when the run's connection ends.
LOCK_KEY = 0x706D2D6D696772

APPLIED, SKIPPED, FAILED, PENDING, NOT_RUN = "applied", "skipped", "failed", "pending", "not_run"
LOCK_TIMEOUT = "lock_timeout"  # a table lock was never granted within the DDL lock timeout, after every retry
STATUSES = (APPLIED, SKIPPED, PENDING, FAILED, LOCK_TIMEOUT, NOT_RUN)


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
    deferred: list[str] = field(default_factory=list)  # pending migrations left for the post stage
    attempts: int = 0


@dataclass
class FleetRun:
    scope: str  # "shared" or "tenant"
    schemas_total: int
    check_seconds: float
    results: list[SchemaResult]
    duration: float = 0.0
    stage: str = ALL

    def count(self, status: str) -> int:
        return sum(1 for result in self.results if result.status == status)

    @property
    def failed(self) -> list[SchemaResult]:
        """Schemas left behind by this run: failed, or never granted their table lock."""
        return [result for result in self.results if result.status in (FAILED, LOCK_TIMEOUT)]

    def as_dict(self) -> dict:
        return {
            "scope": self.scope,
            "stage": self.stage,
            "schemas_total": self.schemas_total,
            "check_seconds": round(self.check_seconds, 4),
            "duration": round(self.duration, 4),
            "summary": {status: self.count(status) for status in STATUSES},
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
    partial: bool = False,
    policy: DDLPolicy | None = None,
) -> SchemaResult:
    """Run Django's migrate in one schema on this thread's connection and say what it applied.

    `partial`: `pending` is only part of what the schema lacks (a `pre` stage); Django's migrate then
    runs once per target of `migration_state.migrate_targets`. With a `policy` the migration runs
    under `safe_ddl` and a lock not granted in time yields status `lock_timeout`.
    """
    connection = connections[alias]
    started = time.perf_counter()
    stream = StringIO()
    targets = migrate_targets(pending) if partial else [None]
    try:
        schema_pre_migration.send(migrate_schema, schema_name=schema)
        # As django-tenants does: create django_migrations in the schema itself first, otherwise
        # the recorder would find public's table through the search path.
        connection.set_schema(schema, include_public=False)
        MigrationRecorder(connection).ensure_schema()
        connection.set_schema(schema)
        sink = LinePrefixStream(stream, lambda line: f"[{schema}] {line}")
        try:
            with safe_ddl(connection, policy) if policy else nullcontext():
                for target in targets:
                    command = get_tenant_base_migrate_command_class()(stdout=sink, stderr=sink)
                    call_command(command, *(target or ()), **migrate_options, database=alias)
        finally:
            sink.flush()
        result = SchemaResult(schema, APPLIED, _recorded(connection, pending), method="migrate")
        schema_migrated.send(migrate_schema, schema_name=schema)
    except Exception as exc:
        if raise_errors:
            raise
        status = LOCK_TIMEOUT if is_lock_timeout(exc) else FAILED
        result = SchemaResult(schema, status, error=_error_line(exc), method="migrate")
        # Whatever state the failure left this connection in, the next schema starts afresh
        # (unless the caller's transaction owns it: Django rolled the migration's savepoint back).
        if not connection.in_atomic_block:
            connection.close()
    finally:
        if output is not None and stream.getvalue():
            output(stream.getvalue().rstrip("\n"))
        connection.set_schema_to_public()
    if result.status != APPLIED and not connection.in_atomic_block:
        # Migrations that committed before the failure stay applied: say which.
        try:
            connection.set_schema(schema)
            result.migrations = _recorded(connection, pending)
        except DatabaseError:
            pass  # the failure's own error is what the report needs
        finally:
            connection.set_schema_to_public()
    result.duration = time.perf_counter() - started
    return result


def _recorded(connection, keys: list[str]) -> list[str]:
    """Which of `keys` the current schema's django_migrations records, in the order of `keys`."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT app || '.' || name FROM django_migrations WHERE app || '.' || name = ANY(%s)", [keys])
        recorded = {row[0] for row in cursor.fetchall()}
    return [key for key in keys if key in recorded]


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


def collect_statements(
    schema: str, keys: tuple[str, ...], alias: str = DEFAULT_DB_ALIAS, policy: DDLPolicy | None = None
) -> list[str]:
    """The SQL Django runs for these migrations in `schema` (what `sqlmigrate` shows), in order.

    With a `policy`, index builds on existing tables come out as `CREATE INDEX CONCURRENTLY`.
    """
    connection = connections[alias]
    connection.set_schema(schema)  # the tenant router emits tenant apps' SQL only in a tenant schema
    try:
        with safe_ddl(connection, policy) if policy else nullcontext():
            loader = MigrationLoader(connection, ignore_no_migrations=True)
            plan = [(loader.graph.nodes[tuple(key.split(".", 1))], False) for key in keys]
            return loader.collect_sql(plan)
    finally:
        connection.set_schema_to_public()


def replay_schema(
    schema: str,
    *,
    keys: tuple[str, ...],
    statements: list[str],
    alias: str = DEFAULT_DB_ALIAS,
    policy: DDLPolicy | None = None,
) -> SchemaResult:
    """Apply pending migrations by running the SQL Django produced for an identical schema.

    Only for migrations `replayable()` accepts, after Django's own migrate applied them to a pilot
    schema behind by exactly the same migrations: the statements, then the django_migrations records,
    in one transaction, so a schema that differs fails whole and keeps its state. This is what makes a
    schema-only migration cost about what its SQL costs, instead of a migration executor per schema.
    With a `policy`: the transaction runs under its timeouts, and `CREATE INDEX CONCURRENTLY`
    statements run after it commits (idempotently), the records last.
    """
    connection = connections[alias]
    started = time.perf_counter()
    concurrent: list[str] = []  # built after the transaction commits
    records = [tuple(key.split(".", 1)) for key in keys]
    insert = "INSERT INTO django_migrations (app, name, applied) VALUES (%s, %s, %s)"
    try:
        schema_pre_migration.send(replay_schema, schema_name=schema)
        connection.set_schema(schema)
        applied = timezone.now()
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            if policy:
                set_timeouts(cursor, policy, local=True)
            for statement in statements:
                if policy and is_concurrent_index(statement):
                    # This schema's table may be empty where the pilot's was not (or the SQL was
                    # collected without looking): then the index is built here, in an instant.
                    inline = inline_if_empty(cursor, statement)
                    if inline is None:
                        concurrent.append(statement)
                        continue
                    statement = inline  # noqa: PLW2901
                cursor.execute(statement)
            if not concurrent:
                cursor.executemany(insert, [(app, name, applied) for app, name in records])
        if concurrent:
            for statement in concurrent:
                build_index_concurrently(connection, statement, policy)
            with transaction.atomic(using=alias), connection.cursor() as cursor:
                cursor.executemany(insert, [(app, name, applied) for app, name in records])
        result = SchemaResult(schema, APPLIED, list(keys), method="sql")
        schema_migrated.send(replay_schema, schema_name=schema)
    except Exception as exc:
        status = LOCK_TIMEOUT if is_lock_timeout(exc) else FAILED
        result = SchemaResult(schema, status, error=_error_line(exc), method="sql")
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
    stage: str = ALL,
    policy: DDLPolicy | None = None,
) -> FleetRun:
    """Migrate the schemas of `scope` ("shared" or "tenant") that are behind; skip the rest.

    `schemas` narrows a tenant run (default: every tenant). `parallel` > 1 uses that many worker
    threads with their own connections. With `plan_only` nothing is applied and schemas behind are
    reported as pending. A failed schema never stops the others unless `fail_fast` is set; then the
    schemas not yet started are reported as not_run. `raise_errors` re-raises instead (used when the
    caller's transaction must fail with the schema, as in tenant provisioning).

    `stage` ("pre", "post" or "all") chooses what counts as behind (`migration_state`). With a
    `policy` (`safe_ddl`), a schema whose table lock was not granted is tried again up to
    `policy.retries` times, after `policy.delay(attempt)` seconds, while the others go on.

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
    lacking = missing_migrations(schemas, expected)
    behind: dict[str, list[str]] = {}
    deferred: dict[str, list[str]] = {}
    for schema, keys in lacking.items():
        now, later = split_by_stage(keys, stage)
        if now:
            behind[schema] = now
        if later:
            deferred[schema] = later
    check_seconds = time.perf_counter() - started
    label = "public schema" if scope == "shared" else "tenant schemas"
    waiting = f", {len(deferred)} with post-stage migrations left for later" if deferred else ""
    progress(
        f"{scope}: {len(schemas)} {label}, {len(behind)} behind, {len(schemas) - len(behind)} current"
        f"{f' (stage {stage})' if stage != ALL else ''}{waiting} (checked in {check_seconds:.2f}s)"
    )
    results = {schema: SchemaResult(schema, SKIPPED) for schema in schemas if schema not in behind}
    run = FleetRun(scope=scope, schemas_total=len(schemas), check_seconds=check_seconds, results=[], stage=stage)

    if plan_only:
        for schema, keys in behind.items():
            results[schema] = SchemaResult(schema, PENDING, list(keys))
            progress(f"{scope} {schema}: {len(keys)} pending: {', '.join(_with_stage(keys))}")
    elif behind:
        total, done = len(behind), 0
        stop = threading.Event()
        report_lock = threading.Lock()
        retries = policy.retries if policy and not raise_errors else 0

        statements: dict[tuple[str, ...], list[str]] = {}

        def run_one(schema: str, attempt: int) -> float | None:
            nonlocal done
            keys = tuple(behind[schema])
            if keys in statements:
                result = replay_schema(schema, keys=keys, statements=statements[keys], alias=alias, policy=policy)
            else:
                result = migrate_schema(
                    schema,
                    pending=behind[schema],
                    migrate_options=migrate_options,
                    alias=alias,
                    output=output,
                    raise_errors=raise_errors,
                    partial=schema in deferred,
                    policy=policy,
                )
            result.attempts = attempt
            with report_lock:
                results[schema] = result
                if result.status == LOCK_TIMEOUT and attempt <= retries:
                    delay = policy.delay(attempt)
                    progress(
                        f"{scope} {schema}: table lock not granted within {policy.lock_timeout:g}s "
                        f"(attempt {attempt} of {retries + 1}); trying again in {delay:g}s"
                    )
                    return delay
                done += 1
                if result.status in (FAILED, LOCK_TIMEOUT):
                    what = "LOCK TIMEOUT" if result.status == LOCK_TIMEOUT else "FAILED"
                    progress(f"{scope} {done}/{total} {schema}: {what} after {result.duration:.2f}s: {result.error}")
                    if fail_fast:
                        stop.set()
                else:
                    applied = _summarise(result.migrations)
                    how = " (SQL replayed)" if result.method == "sql" else ""
                    progress(f"{scope} {done}/{total} {schema}: applied {applied} in {result.duration:.3f}s{how}")
            return None

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
            run_scheduled([pilot], 1, run_one, stop)
            if results[pilot].status == APPLIED:
                keys = tuple(behind[pilot])
                statements[keys] = collect_statements(pilot, keys, alias, policy)
        rest = [schema for schema in behind if schema not in pilots]
        run_scheduled(rest, max(1, min(parallel, len(rest))), run_one, stop)
        for schema in behind:
            if schema not in results:
                results[schema] = SchemaResult(schema, NOT_RUN, list(behind[schema]))

    for schema, keys in deferred.items():
        results[schema].deferred = keys
    run.results = [results[schema] for schema in schemas]
    run.duration = time.perf_counter() - started
    summary = ", ".join(f"{run.count(status)} {status}" for status in STATUSES if run.count(status))
    progress(f"{scope}: done in {run.duration:.2f}s: {summary or 'nothing to do'}")
    return run


def _with_stage(keys: list[str]) -> list[str]:
    post = post_deploy_keys()
    return [f"{key} [post]" if key in post else key for key in keys]
