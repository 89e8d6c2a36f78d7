"""Database side of backups: pg_dump from one snapshot with per-table stats, signed manifests, restore under a
new schema name, restore into a scratch database (the drill). The bundle format (encryption, files) is
backend/backup_bundle.py; what a tenant bundle holds is apps/backups/bundles.py.

Backup. A READ ONLY, REPEATABLE READ transaction exports its snapshot; the manifest's per-table row
counts and checksums are computed in that snapshot and `pg_dump --snapshot` dumps exactly the same
data, so the manifest describes the dump even while the tenant keeps writing.

Restore into a NEW schema name. pg_restore cannot rename a schema, and rewriting the schema name in the
dump's text is unsafe (a tenant called `acme` has rows saying "acme"). So PostgreSQL does the renaming:

1. the dump is restored, unchanged, into a scratch database created for the purpose;
2. `ALTER SCHEMA old RENAME TO new` there — the catalog rename fixes every reference (sequences,
   defaults, constraints, triggers) without touching data;
3. the renamed schema is dumped again as plain SQL and the scratch database is dropped;
4. that SQL is executed on our own connection inside the caller's transaction, where the caller then
   checks row counts and checksums against the manifest and registers the tenant. Any mismatch or error
   rolls everything back: no schema, tenant or domain is left half-restored.

The restored SQL is held in memory, which suits tenant-sized data; a very large tenant would instead be
restored with pg_restore into a fresh database of its own (ADR 0001's dedicated-database path).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection
from django.utils import timezone

from backend.pg_tools import (
    PgToolMissing,
    connection_args,
    direct_settings,
    executable_dump_sql,
    pg_dump_path,
    pg_tool,
    reset_after_dump,
)
from backend.provisioning import template_schema_name

logger = logging.getLogger(__name__)

# 3: an encrypted bundle (backend.backup_bundle) whose manifest, signed with HMAC-SHA256 under
# BACKUP_SIGNING_KEY, covers the dump's SHA-256, every table's rows and checksum, every file's SHA-256 and the
# tenant's public rows. Version 2 (a plain dump with a signed manifest beside it) and 1 (unsigned) are refused.
MANIFEST_VERSION = 3


class BackupError(Exception):
    """A backup or restore step failed; the message is one line for the operator."""


def _signing_key() -> bytes:
    key = getattr(settings, "BACKUP_SIGNING_KEY", "")
    if not key:
        raise BackupError("BACKUP_SIGNING_KEY is not set: backups cannot be signed or verified")
    return key.encode()


def manifest_signature(manifest: dict[str, Any]) -> str:
    """HMAC-SHA256 of the manifest's canonical JSON (every field but the signature itself)."""
    body = {key: value for key, value in manifest.items() if key != "signature"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return hmac.new(_signing_key(), canonical, hashlib.sha256).hexdigest()


def sign_manifest(manifest: dict[str, Any]) -> dict[str, Any]:
    return {**manifest, "signature": manifest_signature(manifest)}


def _tool(name: str) -> str:
    try:
        return pg_dump_path() if name == "pg_dump" else pg_tool(name)
    except PgToolMissing as exc:
        raise BackupError(str(exc)) from exc


def _db_settings() -> dict[str, Any]:
    return direct_settings()


def _connect(dbname: str | None = None) -> psycopg.Connection:
    """A plain autocommitting connection (no django-tenants search_path handling)."""
    db = _db_settings()
    params = {
        "dbname": dbname or db["NAME"],
        "user": db.get("USER") or "postgres",
        "password": db.get("PASSWORD") or None,
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
    }
    return psycopg.connect(**{k: v for k, v in params.items() if v is not None}, autocommit=True)


def _run(command: list[str], env: dict[str, str], what: str, *, text: bool = True) -> subprocess.CompletedProcess:
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=text, timeout=3600, check=False)  # noqa: S603
    except OSError as exc:
        raise BackupError(f"cannot run {what}: {exc}") from exc
    if result.returncode != 0:
        stderr = result.stderr if text else result.stderr.decode(errors="replace")
        last = (stderr.strip().splitlines() or ["no output"])[-1]
        raise BackupError(f"{what} failed: {last}")
    return result


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_stats(cursor, schema: str) -> dict[str, dict[str, Any]]:
    """Per table of `schema`: row count and an order-independent checksum of its rows."""
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY c.relname",
        [schema],
    )
    tables = [row[0] for row in cursor.fetchall()]
    stats: dict[str, dict[str, Any]] = {}
    for table in tables:
        # md5 of each row's text, sorted, then md5 of the lot: equal data gives equal checksums whatever
        # the physical order, and memory stays at 32 bytes per row.
        cursor.execute(
            "SELECT count(*), md5(coalesce(string_agg(h, '' ORDER BY h), '')) "
            f"FROM (SELECT md5(t::text) AS h FROM {_quote(schema)}.{_quote(table)} t) rows"
        )
        count, checksum = cursor.fetchone()
        stats[table] = {"rows": count, "md5": checksum}
    return stats


def _snapshot_dump(*, schemas: list[str] | None, output: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """pg_dump (custom format) of `schemas` (None: the whole database) to `output`, and the per-table stats of
    every dumped schema, both from one exported snapshot: the stats describe exactly what was dumped."""
    args, env = connection_args()
    try:
        with _connect() as conn, conn.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            listed = list_schemas(cursor) if schemas is None else schemas
            stats = {schema: table_stats(cursor, schema) for schema in listed}
            selection = [] if schemas is None else [part for schema in schemas for part in ("--schema", schema)]
            _run(
                [
                    _tool("pg_dump"),
                    "--format",
                    "custom",
                    *selection,
                    "--no-owner",
                    "--no-privileges",
                    "--snapshot",
                    snapshot,
                    "--file",
                    str(output),
                    *args,
                ],
                env,
                "pg_dump",
            )
            cursor.execute("COMMIT")
    except psycopg.Error as exc:
        raise BackupError(f"database error: {_first_line(exc)}") from exc
    return stats


def list_schemas(cursor) -> list[str]:
    """Every schema of the cursor's database but PostgreSQL's own."""
    cursor.execute(
        "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%%' "
        "AND nspname <> 'information_schema' ORDER BY nspname"
    )
    return [row[0] for row in cursor.fetchall()]


def dump_schema(*, schema: str, output: Path) -> dict[str, dict[str, Any]]:
    """Dump one schema to `output`; returns its tables' row counts and checksums (same snapshot)."""
    return _snapshot_dump(schemas=[schema], output=Path(output))[schema]


def dump_database(*, output: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """Dump the whole database to `output`; returns {schema: table stats} of every schema (same snapshot)."""
    return _snapshot_dump(schemas=None, output=Path(output))


def verify_manifest(manifest: Any, *, what: str = "backup") -> dict[str, Any]:
    """The manifest if its format is known and its signature verifies, else BackupError (one line)."""
    if not isinstance(manifest, dict) or manifest.get("version") != MANIFEST_VERSION:
        raise BackupError(f"{what} manifest has an unknown format (made by another version?)")
    signature = manifest.get("signature")
    if not isinstance(signature, str) or not hmac.compare_digest(signature, manifest_signature(manifest)):
        raise BackupError(
            f"{what} manifest signature does not verify (tampered, or signed with another BACKUP_SIGNING_KEY)"
        )
    return manifest


def now_iso() -> str:
    return timezone.now().isoformat()


@contextmanager
def scratch_database(*, extensions: bool = True) -> Iterator[str]:
    """A throwaway database (needs CREATEDB, like the test suite), dropped whatever happens. With
    `extensions`, this database's extensions are created there first (a tenant dump needs them; a
    whole-database dump brings its own)."""
    name = f"pm_restore_{secrets.token_hex(6)}"
    try:
        with _connect() as conn:
            # Tenant schemas use extensions installed database-wide (pg_trgm in public): mirror them.
            wanted = conn.execute(
                "SELECT e.extname, n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
                " WHERE e.extname <> 'plpgsql'"
            ).fetchall()
            conn.execute(f"CREATE DATABASE {_quote(name)}")
    except psycopg.Error as exc:
        raise BackupError(f"cannot create a scratch database: {_first_line(exc)}") from exc
    try:
        try:
            with _connect(name) as conn:
                for extension, schema in wanted if extensions else []:
                    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {_quote(schema)}")
                    conn.execute(f"CREATE EXTENSION IF NOT EXISTS {_quote(extension)} SCHEMA {_quote(schema)}")
        except psycopg.Error as exc:
            raise BackupError(f"cannot prepare the scratch database: {_first_line(exc)}") from exc
        yield name
    finally:
        try:
            with _connect() as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {_quote(name)} WITH (FORCE)")
        except psycopg.Error as exc:  # do not hide the original error; say what is left over
            logger.error("scratch database %s was not dropped: %s", name, _first_line(exc))


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [exc.__class__.__name__])[0]


def _pg_restore(*, dump: Path, into) -> None:
    """pg_restore `dump` into the (scratch) database `into`, all or nothing."""
    args, env = connection_args(into)
    _run(
        [_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
        + args
        + [str(dump)],
        env,
        "pg_restore",
    )


def renamed_schema_sql(*, dump: Path, source_schema: str, new_schema: str) -> str:
    """Plain SQL that recreates the dump's schema under `new_schema` (renamed by PostgreSQL, see above)."""
    with scratch_database() as scratch, tempfile.TemporaryDirectory() as tmp:
        _pg_restore(dump=dump, into=scratch)
        try:
            if source_schema != new_schema:  # equal when restoring under the original name
                with _connect(scratch) as conn:
                    conn.execute(f"ALTER SCHEMA {_quote(source_schema)} RENAME TO {_quote(new_schema)}")
            with _connect(scratch) as conn, conn.cursor() as cursor:
                unexpected = unexpected_objects(cursor, new_schema)
        except psycopg.Error as exc:
            raise BackupError(f"cannot rename schema in scratch database: {_first_line(exc)}") from exc
        if unexpected:
            kind, name = unexpected[0]
            raise BackupError(f"the backup holds a {kind} {name!r} that the tenant template does not have; refused")
        sql_file = Path(tmp) / "restore.sql"
        args, env = connection_args(scratch)
        _run(
            [
                _tool("pg_dump"),
                "--schema",
                new_schema,
                "--no-owner",
                "--no-privileges",
                "--no-comments",
                "--file",
                str(sql_file),
                *args,
            ],
            env,
            "pg_dump of the renamed schema",
        )
        return executable_dump_sql(sql_file.read_text())


# Executable objects a dump could smuggle in, per kind: (name, definition) in a schema. A restored schema
# may hold only those the tenant template has, with the same definition (schema name aside).
_OBJECT_QUERIES = {
    "function": "SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p JOIN pg_namespace n"
    " ON n.oid = p.pronamespace WHERE n.nspname = %s AND p.prokind IN ('f', 'p', 'w')",
    "aggregate": "SELECT p.proname, p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
    " WHERE n.nspname = %s AND p.prokind = 'a'",
    "trigger": "SELECT t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
    " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND NOT t.tgisinternal",
    "view": "SELECT c.relname, pg_get_viewdef(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE n.nspname = %s AND c.relkind IN ('v', 'm')",
    "rule": "SELECT r.rulename, pg_get_ruledef(r.oid) FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class"
    " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND r.rulename <> '_RETURN'",
    "policy": "SELECT pol.polname, c.relname FROM pg_policy pol JOIN pg_class c ON c.oid = pol.polrelid"
    " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s",
}


def schema_objects(cursor, schema: str) -> set[tuple[str, str, str]]:
    """(kind, name, definition with the schema name replaced) of every executable object in `schema`."""
    found = set()
    for kind, query in _OBJECT_QUERIES.items():
        cursor.execute(query, [schema])
        for name, definition in cursor.fetchall():
            normal = (definition or "").replace(_quote(schema) + ".", "<schema>.").replace(schema + ".", "<schema>.")
            found.add((kind, name, normal))
    return found


def unexpected_objects(cursor, schema: str) -> list[tuple[str, str]]:
    """Objects in `schema` (of the cursor's database) that the tenant template here does not have."""
    template = template_schema_name()
    with _connect() as conn, conn.cursor() as here:
        here.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [template])
        if here.fetchone() is None:
            raise BackupError(f"tenant template schema {template} is missing: run migrate_schemas first")
        allowed = schema_objects(here, template)
    return sorted((kind, name) for kind, name, _ in schema_objects(cursor, schema) - allowed)


_COPY_START = re.compile(r"^COPY \S+ \(.*\) FROM stdin;$")
_COPY_BATCH = 5000  # data lines per write


def execute_restore_sql(sql: str) -> None:
    """Run the renamed schema's plain SQL on Django's connection, inside the caller's transaction.

    Table data comes as COPY blocks (`COPY s.t (cols) FROM stdin;`, data lines, `\\.`), fed through psycopg's
    COPY protocol: several times faster than INSERT statements. In COPY's text format a value's newline or
    backslash is escaped, so a data line never reads `\\.` and the block's end is unambiguous.
    """
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor  # psycopg's own cursor: Django's wrapper has no copy()
        pending: list[str] = []
        lines = iter(sql.split("\n"))
        for line in lines:
            if not _COPY_START.match(line):
                pending.append(line)
                continue
            if any(part.strip() for part in pending):
                cursor.execute("\n".join(pending))
            pending = []
            with cursor.copy(line[: -len(" FROM stdin;")] + " FROM STDIN") as copy:
                batch: list[str] = []
                for data in lines:
                    if data == "\\.":
                        break
                    batch.append(data)
                    if len(batch) >= _COPY_BATCH:
                        copy.write("\n".join(batch) + "\n")
                        batch = []
                else:
                    raise BackupError("the restore SQL ends inside a COPY block")
                if batch:
                    copy.write("\n".join(batch) + "\n")
        if any(part.strip() for part in pending):
            cursor.execute("\n".join(pending))
        reset_after_dump(cursor)


def stats_mismatch(*, expected: dict[str, dict[str, Any]], actual: dict[str, dict[str, Any]]) -> str | None:
    """One line naming the first difference between manifest and restored schema, or None."""
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    if missing:
        return f"table {missing[0]} is missing after restore"
    if extra:
        return f"table {extra[0]} is not in the manifest"
    for table in sorted(expected):
        want, got = expected[table], actual[table]
        if want.get("rows") != got["rows"]:
            return f"table {table}: {got['rows']} rows restored, manifest says {want.get('rows')}"
        if want.get("md5") != got["md5"]:
            return f"table {table}: row checksum differs from the manifest"
    return None


def scratch_restore_stats(*, dump: Path, whole: bool) -> dict[str, dict[str, dict[str, Any]]]:
    """pg_restore `dump` into a throwaway database (dropped afterwards) and return {schema: table stats} of
    every schema restored there: what the restore drill compares with the manifest."""
    with scratch_database(extensions=not whole) as scratch:
        _pg_restore(dump=dump, into=scratch)
        try:
            with _connect(scratch) as conn, conn.cursor() as cursor:
                return {schema: table_stats(cursor, schema) for schema in list_schemas(cursor)}
        except psycopg.Error as exc:
            raise BackupError(f"cannot read the restored scratch database: {_first_line(exc)}") from exc
