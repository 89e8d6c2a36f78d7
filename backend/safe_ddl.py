"""Migrations that never hold a tenant's tables for long: timeouts, concurrent index builds, retries.

Inside `safe_ddl(connection, policy)` (what the fleet engine wraps each schema's migration in) the
connection's schema editor is Django's own plus `SafeSchemaEditorMixin`:

- every migration runs with `lock_timeout` and `statement_timeout` (`SET LOCAL` in the migration's
  transaction), so an `ALTER TABLE` queued behind a long transaction gives up after the lock timeout
  instead of holding every later query on that table behind it; the fleet engine retries it later;
- an index on a table that already has rows (not one created by the same migration) is built with
  `CREATE INDEX CONCURRENTLY` after the migration's transaction commits, without a statement timeout:
  writes continue during the build. The migration is recorded only once its indexes are built, and
  an invalid index left by an interrupted build is dropped and built again on the next attempt.

Outside a fleet run (provisioning inside a transaction, the test database, plain django-tenants) the
schema editor is untouched. The composed class keeps whatever editor the database backend has.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings

LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL: lock_timeout expired (or NOWAIT)
_CONCURRENT = re.compile(r'^CREATE INDEX CONCURRENTLY "?(?P<name>[^"\s]+)"? ON', re.IGNORECASE)


@dataclass(frozen=True)
class DDLPolicy:
    lock_timeout: float  # seconds a statement waits for a table lock
    statement_timeout: float  # seconds any migration statement may run (0 = no limit)
    retries: int  # further attempts of a schema whose lock was not granted
    backoff: float  # seconds before the first retry, doubled for each next one

    @classmethod
    def from_settings(cls, **overrides) -> DDLPolicy:
        values = {
            "lock_timeout": settings.MIGRATION_DDL_LOCK_TIMEOUT,
            "statement_timeout": settings.MIGRATION_STATEMENT_TIMEOUT,
            "retries": settings.MIGRATION_DDL_RETRIES,
            "backoff": settings.MIGRATION_DDL_RETRY_BACKOFF,
        }
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**values)

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        return self.backoff * 2 ** (attempt - 1)


def _ms(seconds: float) -> str:
    return f"{max(int(seconds * 1000), 0)}ms"


def is_lock_timeout(exc: BaseException | None) -> bool:
    """Whether an exception (or one it was raised from) is PostgreSQL's lock_timeout."""
    while exc is not None:
        if getattr(exc, "sqlstate", None) == LOCK_NOT_AVAILABLE or getattr(exc, "pgcode", None) == LOCK_NOT_AVAILABLE:
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def set_timeouts(cursor, policy: DDLPolicy, *, local: bool) -> None:
    scope = "LOCAL " if local else ""
    cursor.execute(f"SET {scope}lock_timeout = '{_ms(policy.lock_timeout)}'")
    cursor.execute(f"SET {scope}statement_timeout = '{_ms(policy.statement_timeout)}'")


def build_index_concurrently(connection, sql: str, policy: DDLPolicy) -> None:
    """Run one `CREATE INDEX CONCURRENTLY` outside any transaction, idempotently.

    A valid index of that name in the current schema means a previous attempt built it; an invalid
    one (an interrupted concurrent build leaves it behind) is dropped first.
    """
    name = _CONCURRENT.match(sql).group("name")
    with connection.cursor() as cursor:
        cursor.execute(f"SET lock_timeout = '{_ms(policy.lock_timeout)}'")
        cursor.execute("SET statement_timeout = 0")  # a long build blocks nobody; never cut it short
        try:
            cursor.execute(
                "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE c.relname = %s AND c.relnamespace = current_schema()::regnamespace",
                [name],
            )
            row = cursor.fetchone()
            if row and row[0]:
                return
            if row:
                cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {connection.ops.quote_name(name)}")
            cursor.execute(sql)
        finally:
            cursor.execute("RESET lock_timeout")
            cursor.execute("RESET statement_timeout")


def is_concurrent_index(sql) -> bool:
    return bool(_CONCURRENT.match(str(sql).strip()))


_ON_TABLE = re.compile(r'^CREATE INDEX CONCURRENTLY "?[^"\s]+"? ON (?:ONLY )?(?P<table>"[^"]+"|[^\s(]+)', re.IGNORECASE)


def inline_if_empty(cursor, sql: str) -> str | None:
    """The plain `CREATE INDEX` form of a concurrent build whose table (in the current schema) has no rows.

    The rule the schema editor applies to its own schema (`_builds_concurrently`), for SQL replayed in
    others: an empty table is indexed in an instant inside the migration's transaction, while a
    concurrent build needs transactions of its own and waits for every older transaction in the
    database (the other replay workers' included). None: build it concurrently.
    """
    match = _ON_TABLE.match(sql.strip())
    if match is None:
        return None
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [match.group("table")])
    if not cursor.fetchone()[0]:
        return None
    cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {match.group('table')})")
    if cursor.fetchone()[0]:
        return None
    return re.sub(r"^(\s*CREATE INDEX) CONCURRENTLY", r"\1", sql, count=1, flags=re.IGNORECASE)


class SafeSchemaEditorMixin:
    """See the module docstring. `policy` is set on the class `safe_ddl` composes."""

    policy: DDLPolicy

    def __enter__(self):
        self._created_tables: set[str] = set()
        # Inside a caller's transaction (provisioning) nothing can run concurrently: build as Django does.
        # Collecting SQL (sqlmigrate, replay, the lint) describes what a fleet run would execute.
        self._can_defer = self.collect_sql or not self.connection.in_atomic_block
        editor = super().__enter__()
        self._session_timeouts = False
        if not self.collect_sql and self._can_defer:
            with self.connection.cursor() as cursor:
                # SET LOCAL ends with the migration's transaction; a non-atomic one resets at exit.
                set_timeouts(cursor, self.policy, local=self.atomic_migration)
                self._session_timeouts = not self.atomic_migration
        return editor

    def __exit__(self, exc_type, exc_value, traceback):
        concurrent = [sql for sql in self.deferred_sql if is_concurrent_index(sql)]
        self.deferred_sql = [sql for sql in self.deferred_sql if not is_concurrent_index(sql)]
        try:
            super().__exit__(exc_type, exc_value, traceback)  # the rest of the deferred SQL, then COMMIT
            if exc_type is None:
                for sql in concurrent:
                    if self.collect_sql:
                        self.collected_sql.append(f"{sql};")
                    else:
                        build_index_concurrently(self.connection, str(sql), self.policy)
        finally:
            if self._session_timeouts and self.connection.connection is not None:
                with self.connection.cursor() as cursor:
                    cursor.execute("RESET lock_timeout")
                    cursor.execute("RESET statement_timeout")

    def create_model(self, model):
        self._created_tables.add(model._meta.db_table)
        super().create_model(model)

    def _builds_concurrently(self, model) -> bool:
        table = model._meta.db_table
        if not self._can_defer or table in self._created_tables:
            return False
        if self.collect_sql:
            return True
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [self.quote_name(table)])
            if not cursor.fetchone()[0]:
                return False
            # An empty table is indexed in an instant; a concurrent build would still wait for every
            # older transaction in the database.
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {self.quote_name(table)})")
            return cursor.fetchone()[0]

    def _create_index_sql(self, model, *, sql=None, concurrently=False, **kwargs):
        if sql is None and not concurrently and self._builds_concurrently(model):
            concurrently = True
        return super()._create_index_sql(model, sql=sql, concurrently=concurrently, **kwargs)

    def execute(self, sql, params=()):
        if self._can_defer and not params and is_concurrent_index(sql):
            if self.connection.in_atomic_block:
                # Built after COMMIT by __exit__; its presence in deferred_sql also makes Django's
                # executor record the migration only after the editor has exited (the index exists).
                self.deferred_sql.append(sql)
                return
            if not self.collect_sql:  # a non-atomic migration (AddIndexConcurrently): same idempotent build
                build_index_concurrently(self.connection, str(sql), self.policy)
                return
        super().execute(sql, params)


@contextmanager
def safe_ddl(connection, policy: DDLPolicy) -> Iterator[None]:
    """Use the safe schema editor on this connection (one thread's) for the duration of the block."""
    base = type(connection).SchemaEditorClass
    connection.SchemaEditorClass = type(f"Safe{base.__name__}", (SafeSchemaEditorMixin, base), {"policy": policy})
    try:
        yield
    finally:
        del connection.SchemaEditorClass
