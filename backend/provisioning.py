"""Fast tenant schemas: clone a template schema kept at the current migration state.

Creating a schema by replaying every migration costs ~1 s per tenant; replaying the template's DDL and
rows (`pg_dump` of the template, schema name rewritten) in the caller's transaction costs a few tens of
milliseconds and yields the same tables, constraints, indexes, sequences and `django_migrations` rows —
unlike django-tenants' `clone_schema`, nothing is renamed. The dump is made once per process and per
template state, and kept in `tenants_templatedump` for every other process (pg_dump reads the whole
catalog: a minute and more past 5,000 tenants). If the template is missing or behind the migrations on
disk it is refreshed first; if cloning is impossible (no `pg_dump`), callers fall back to the migration
path and the log says so.

Warm pool: `pool_refill` keeps TENANT_WARM_POOL_SIZE schemas `_pool_<random>` cloned ahead of time
(rows in `tenants_pooledschema`, each with the template fingerprint it was made at). `pool_take`, inside
the provisioning transaction, claims one with `SELECT ... FOR UPDATE SKIP LOCKED` and renames it with
`ALTER SCHEMA ... RENAME TO`: a few milliseconds, and two concurrent takers never get the same schema
(a rolled-back take puts the entry back). Entries made at another fingerprint are stale: never taken,
dropped by the next refill. An empty pool means cloning the template as before.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import subprocess
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django_tenants.management.commands.migrate_schemas import Command as PlainMigrateSchemas
from django_tenants.utils import schema_exists

from backend.migration_state import _missing_by_schema, expected_migrations
from backend.pg_tools import PgToolMissing, connection_args, executable_dump_sql, execute_dump_sql, pg_dump_path

logger = logging.getLogger(__name__)


class TemplateUnavailable(Exception):
    """The template cannot be used (pg_dump missing, refresh failed); use the migration path."""


def template_schema_name() -> str:
    # Tenant schema names must start with a letter, so this name can never belong to a tenant.
    return getattr(settings, "TENANT_TEMPLATE_SCHEMA", "_tenant_template")


@dataclass
class _Dump:
    fingerprint: str
    sql: str


_cached_dump: _Dump | None = None


def _fingerprint() -> str:
    _, tenant = expected_migrations()
    return hashlib.sha256("\n".join(sorted(tenant)).encode()).hexdigest()


def template_is_current() -> bool:
    name = template_schema_name()
    _, tenant = expected_migrations()
    return schema_exists(name) and not _missing_by_schema([name], tenant)


def template_refresh(*, verbosity: int = 0) -> bool:
    """Create or migrate the template schema so it matches the migrations on disk. True if it changed."""
    global _cached_dump
    name = template_schema_name()
    if template_is_current():
        return False
    logger.info("tenant template %s is missing or stale; migrating it", name)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_DUMP_TABLE}")  # made from the template as it was
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {connection.ops.quote_name(name)}")
    try:
        # django-tenants' own command, not ours: the fleet command calls this while holding its
        # migration lock, and the template is no tenant for it to track.
        call_command(PlainMigrateSchemas(), tenant=True, schema_name=name, interactive=False, verbosity=verbosity)
    finally:
        connection.set_schema_to_public()
    _cached_dump = None
    return True


def _dump_template() -> str:
    args, env = connection_args()
    try:
        command = [pg_dump_path(), "--schema", template_schema_name()]
    except PgToolMissing as exc:
        raise TemplateUnavailable(str(exc)) from exc
    command += ["--no-owner", "--no-privileges", "--no-comments", "--inserts", *args]
    timeout = settings.TENANT_TEMPLATE_DUMP_TIMEOUT
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout, check=False)  # noqa: S603
    except subprocess.TimeoutExpired as exc:
        raise TemplateUnavailable(f"pg_dump of the template took longer than {timeout:g}s") from exc
    except OSError as exc:
        raise TemplateUnavailable(f"cannot run pg_dump: {exc}") from exc
    if result.returncode != 0:
        raise TemplateUnavailable(f"pg_dump failed: {result.stderr.strip().splitlines()[-1:]}")
    return executable_dump_sql(result.stdout)


def template_sql() -> str:
    """The template's DDL + rows, refreshed when the migrations on disk changed."""
    global _cached_dump
    fingerprint = _fingerprint()
    if _cached_dump is None or _cached_dump.fingerprint != fingerprint or not template_is_current():
        if template_refresh() and connection.in_atomic_block:
            # pg_dump reads through its own connection and cannot see our uncommitted template.
            raise TemplateUnavailable(
                "template was refreshed inside an open transaction; call template_prepare() first"
            )
        sql = _stored_dump(fingerprint)
        if sql is None:
            sql = _dump_template()
            _store_dump(fingerprint, sql)
        _cached_dump = _Dump(fingerprint=fingerprint, sql=sql)
    return _cached_dump.sql


# pg_dump reads the whole catalog (65 s at 5,000 tenants): one process dumps each template state, the
# others read its SQL from this table (apps.tenants.models.TemplateDump).
_DUMP_TABLE = '"public"."tenants_templatedump"'


def _stored_dump(fingerprint: str) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT sql FROM {_DUMP_TABLE} WHERE fingerprint = %s", [fingerprint])
        row = cursor.fetchone()
    return row[0] if row else None


def _store_dump(fingerprint: str, sql: str) -> None:
    """Keep `sql` for this fingerprint (replacing a copy another process stored meanwhile); drop old states."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_DUMP_TABLE} (fingerprint, sql, created_at) VALUES (%s, %s, now()) "
            "ON CONFLICT (fingerprint) DO UPDATE SET sql = EXCLUDED.sql, created_at = EXCLUDED.created_at",
            [fingerprint, sql],
        )
        # A release rolling out next to the previous one reads its own state: keep the states of a day.
        cursor.execute(
            f"DELETE FROM {_DUMP_TABLE} WHERE fingerprint <> %s AND created_at < now() - interval '1 day'",
            [fingerprint],
        )


def template_prepare() -> bool:
    """Outside any transaction: make sure the template is current and dumped. False if unusable."""
    try:
        template_sql()
        return True
    except TemplateUnavailable as exc:
        logger.warning("tenant template unavailable: %s", exc)
        return False


def clone_template_into(schema_name: str) -> float:
    """Create `schema_name` as a copy of the template inside the current transaction; returns seconds."""
    started = time.perf_counter()
    template = template_schema_name()
    sql = template_sql()
    pattern = re.compile(rf'(?<![\w"]){re.escape(template)}(?![\w"])|"{re.escape(template)}"')
    execute_dump_sql(pattern.sub(connection.ops.quote_name(schema_name), sql))
    return time.perf_counter() - started


# --- Warm pool ------------------------------------------------------------------------------------------

POOL_PREFIX = "_pool_"  # tenant schema names start with a letter: a pooled name never collides with one
_POOL_TABLE = '"public"."tenants_pooledschema"'
_POOL_LOCK = 0x706F6F6C  # advisory lock key serialising refills ("pool")


def pool_size() -> int:
    return max(0, int(getattr(settings, "TENANT_WARM_POOL_SIZE", 0) or 0))


def template_fingerprint() -> str:
    """The migration state a pooled schema must have been made at to be usable."""
    return _fingerprint()


def pool_add() -> str:
    """Clone the template into a new `_pool_<random>` schema and register it, in the caller's transaction."""
    name = f"{POOL_PREFIX}{secrets.token_hex(6)}"
    # clone_template_into() uses the dump of the template at this fingerprint (refreshed if behind).
    fingerprint = template_fingerprint()
    clone_template_into(name)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_POOL_TABLE} (schema_name, fingerprint, created_at) VALUES (%s, %s, now())",
            [name, fingerprint],
        )
    return name


def pool_take(schema_name: str) -> str | None:
    """Inside the caller's transaction: claim a current pooled schema and rename it to `schema_name`.

    Returns the pooled name that was taken, or None when no current entry is free (the caller clones).
    Rows locked by other takers are skipped, so concurrent takers never share an entry.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("pool_take must run inside the provisioning transaction")
    fingerprint = template_fingerprint()
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                f"SELECT id, schema_name FROM {_POOL_TABLE} WHERE fingerprint = %s "
                "ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED",
                [fingerprint],
            )
            row = cursor.fetchone()
            if row is None:
                return None
            entry_id, pooled = row
            try:
                with transaction.atomic():
                    cursor.execute(
                        f"ALTER SCHEMA {connection.ops.quote_name(pooled)} "
                        f"RENAME TO {connection.ops.quote_name(schema_name)}"
                    )
            except DatabaseError:
                # The pooled schema vanished (dropped by hand): forget the entry and try the next one.
                logger.warning("pooled schema %s is missing; dropping its pool entry", pooled)
                cursor.execute(f"DELETE FROM {_POOL_TABLE} WHERE id = %s", [entry_id])
                continue
            cursor.execute(f"DELETE FROM {_POOL_TABLE} WHERE id = %s", [entry_id])
            return pooled


@dataclass
class PoolRefill:
    size: int
    available: int
    created: list[str]
    discarded: list[str]
    note: str = ""


def _pool_entries(cursor, fingerprint: str) -> list[tuple[int, str]]:
    cursor.execute(f"SELECT id, schema_name FROM {_POOL_TABLE} WHERE fingerprint = %s ORDER BY id", [fingerprint])
    return list(cursor.fetchall())


def _drop_entry(cursor, entry_id: int, schema: str) -> None:
    cursor.execute(f"DROP SCHEMA IF EXISTS {connection.ops.quote_name(schema)} CASCADE")
    cursor.execute(f"DELETE FROM {_POOL_TABLE} WHERE id = %s", [entry_id])


def pool_discard_stale() -> list[str]:
    """Drop every pooled schema made at another template fingerprint (one transaction each)."""
    fingerprint = template_fingerprint()
    discarded: list[str] = []
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, schema_name FROM {_POOL_TABLE} WHERE fingerprint <> %s "
                "ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED",
                [fingerprint],
            )
            row = cursor.fetchone()
            if row is None:
                return discarded
            _drop_entry(cursor, *row)
        logger.info("discarded stale pooled schema %s", row[1])
        discarded.append(row[1])


def pool_refill(*, size: int | None = None) -> PoolRefill:
    """Outside any transaction: drop stale entries, then add (or drop) schemas until `size` are ready.

    Each schema is its own transaction, so a refill interrupted half-way keeps what it made. Concurrent
    refills are serialised by an advisory lock; a refill that finds another one running stops early.
    """
    if connection.in_atomic_block:
        raise RuntimeError("pool_refill must run outside a transaction (pg_dump cannot see uncommitted data)")
    size = pool_size() if size is None else max(0, size)
    discarded = pool_discard_stale()
    created: list[str] = []
    if size and not template_prepare():
        with connection.cursor() as cursor:
            available = len(_pool_entries(cursor, template_fingerprint()))
        return PoolRefill(size, available, created, discarded, note="template unavailable; pool not refilled")
    fingerprint = template_fingerprint()
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_POOL_LOCK])
            if not cursor.fetchone()[0]:
                available = len(_pool_entries(cursor, fingerprint))
                return PoolRefill(size, available, created, discarded, note="another refill is running")
            entries = _pool_entries(cursor, fingerprint)
            if len(entries) == size:
                return PoolRefill(size, len(entries), created, discarded)
            if len(entries) > size:
                # Shrink: drop the newest surplus entries that nobody is taking right now.
                cursor.execute(
                    f"SELECT id, schema_name FROM {_POOL_TABLE} WHERE fingerprint = %s "
                    "ORDER BY id DESC LIMIT %s FOR UPDATE SKIP LOCKED",
                    [fingerprint, len(entries) - size],
                )
                surplus = list(cursor.fetchall())
                for entry in surplus:
                    _drop_entry(cursor, *entry)
                discarded += [schema for _, schema in surplus]
                return PoolRefill(size, len(entries) - len(surplus), created, discarded)
            created.append(pool_add())
