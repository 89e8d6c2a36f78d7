"""Schema-only migrations: Django migrates one schema, the others get the same SQL, and end up alike."""

import shutil
import uuid
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from backend import migration_state

from .fleet import by_schema, read_report

NAME = "9000_fleet_flag"


def _clear_graph_caches():
    migration_state.clear_caches()


def _tenant_schemas() -> list[str]:
    return migration_state.tenant_schema_names()


@pytest.fixture
def new_schema_only_migration(live, settings, tmp_path, monkeypatch):
    """audit gains a migration adding an indexed column with a default (a copy of audit's migrations
    in a temporary package, through MIGRATION_MODULES; the project's files are untouched)."""
    package_name = f"fleet_replay_{uuid.uuid4().hex[:8]}"
    package = tmp_path / package_name
    shutil.copytree(
        Path(apps.get_app_config("audit").path) / "migrations", package, ignore=shutil.ignore_patterns("__pycache__")
    )
    leaf = max(name for app, name in MigrationLoader(None).graph.leaf_nodes() if app == "audit")
    (package / f"{NAME}.py").write_text(
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        f"    dependencies = [('audit', '{leaf}')]\n"
        "    operations = [\n"
        "        migrations.AddField('auditevent', 'fleet_flag', models.IntegerField(default=7, db_index=True)),\n"
        "    ]\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    settings.MIGRATION_MODULES = {"audit": package_name}
    _clear_graph_caches()
    yield f"audit.{NAME}"
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        for schema in _tenant_schemas():
            cursor.execute(f'ALTER TABLE "{schema}".audit_auditevent DROP COLUMN IF EXISTS fleet_flag')
            cursor.execute(f'ALTER TABLE "{schema}".audit_auditevent DROP COLUMN IF EXISTS conflict')
            cursor.execute(f"DELETE FROM \"{schema}\".django_migrations WHERE app = 'audit' AND name = '{NAME}'")
    _clear_graph_caches()


def _column_and_index(schema: str) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT data_type, is_nullable, column_default FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = 'audit_auditevent' AND column_name = 'fleet_flag'",
            [schema],
        )
        column = cursor.fetchone()
        cursor.execute(
            "SELECT indexname, replace(indexdef, %s, 'S') FROM pg_indexes WHERE schemaname = %s "
            "AND indexdef LIKE '%%fleet_flag%%'",
            [f"{schema}.", schema],
        )
        return column, cursor.fetchall()


def _recorded(schema: str, key: str) -> bool:
    app, name = key.split(".")
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT 1 FROM "{schema}".django_migrations WHERE app = %s AND name = %s', [app, name])
        return cursor.fetchone() is not None


@pytest.mark.parametrize("parallel", [1, 3])
def test_one_schema_is_migrated_by_django_and_the_others_replay_its_sql(new_schema_only_migration, tmp_path, parallel):
    call_command(
        "migrate_schemas", tenant=True, interactive=False, verbosity=0, parallel=parallel, report=tmp_path / "r.json"
    )

    schemas = by_schema(read_report(tmp_path / "r.json"))
    assert {entry["status"] for entry in schemas.values()} == {"applied"}
    assert {entry["migrations"][0] for entry in schemas.values()} == {new_schema_only_migration}
    methods = sorted(entry["method"] for entry in schemas.values())
    assert methods == ["migrate"] + ["sql"] * (len(schemas) - 1)
    pilot = next(schema for schema, entry in schemas.items() if entry["method"] == "migrate")
    expected = _column_and_index(pilot)
    assert expected[0] == ("integer", "NO", None) and len(expected[1]) == 1
    for schema in schemas:
        assert _column_and_index(schema) == expected, schema
        assert _recorded(schema, new_schema_only_migration)


def test_no_replay_runs_django_in_every_schema(new_schema_only_migration, tmp_path):
    call_command(
        "migrate_schemas", tenant=True, interactive=False, verbosity=0, replay=False, report=tmp_path / "r.json"
    )
    schemas = by_schema(read_report(tmp_path / "r.json"))
    assert {(entry["status"], entry["method"]) for entry in schemas.values()} == {("applied", "migrate")}


def test_a_schema_that_differs_fails_whole_and_the_others_are_migrated(new_schema_only_migration, tmp_path):
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE fleet_d.audit_auditevent ADD COLUMN fleet_flag text")

    with pytest.raises(CommandError, match='fleet_d: .*column "fleet_flag" of relation "audit_auditevent" already'):
        call_command("migrate_schemas", tenant=True, interactive=False, verbosity=0, report=tmp_path / "r.json")

    schemas = by_schema(read_report(tmp_path / "r.json"))
    assert (schemas["fleet_d"]["status"], schemas["fleet_d"]["method"]) == ("failed", "sql")
    assert not _recorded("fleet_d", new_schema_only_migration)  # statements and record: one transaction
    assert all(entry["status"] == "applied" for schema, entry in schemas.items() if schema != "fleet_d")

    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE fleet_d.audit_auditevent DROP COLUMN fleet_flag")
    call_command("migrate_schemas", tenant=True, interactive=False, verbosity=0, report=tmp_path / "again.json")
    again = by_schema(read_report(tmp_path / "again.json"))
    assert (again["fleet_d"]["status"], again["fleet_d"]["method"]) == ("applied", "migrate")  # alone: no pilot
    assert _column_and_index("fleet_d") == _column_and_index("fleet_a")
