"""Helpers for migrate_schemas tests: put a committed schema behind, break it, read what happened."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management import call_command
from django.db import connection

from backend.migration_state import expected_migrations, migration_order


def audit_migrations() -> list[str]:
    return sorted((key for key in expected_migrations()[1] if key.startswith("audit.")), key=migration_order().get)


def put_behind(schema: str) -> list[str]:
    """Unapply the tenant app `audit` in one schema for real: its tables dropped, its records gone."""
    call_command("migrate_schemas", "audit", "zero", schema_name=schema, interactive=False, verbosity=0)
    connection.set_schema_to_public()
    return audit_migrations()


def break_schema(schema: str) -> None:
    """Make re-applying audit's first migration fail in `schema`: its table already exists."""
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE TABLE "{schema}".audit_auditevent (conflict_marker int)')


def repair_schema(schema: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = %s "
            "AND table_name = 'audit_auditevent' AND column_name = 'conflict_marker'",
            [schema],
        )
        if cursor.fetchone():
            cursor.execute(f'DROP TABLE "{schema}".audit_auditevent')


def recorded(schema: str) -> dict[str, str]:
    """'app.name' -> applied timestamp, from the schema's own django_migrations."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT app || '.' || name, applied::text FROM \"{schema}\".django_migrations")
        return dict(cursor.fetchall())


def table_exists(schema: str, table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [f'"{schema}".{table}'])
        return cursor.fetchone()[0]


def read_report(path: Path) -> dict:
    return json.loads(Path(path).read_text())


def by_schema(report: dict, scope: str = "tenant") -> dict[str, dict]:
    run = next(run for run in report["runs"] if run["scope"] == scope)
    return {entry["schema"]: entry for entry in run["schemas"]}
