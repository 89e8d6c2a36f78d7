"""Tenant schemas cloned from the template are identical to schemas built by running migrations."""

import pytest
from django.db import connection

from apps.tenants.services import schema_provision
from backend import provisioning


def _catalog(schema: str) -> dict:
    """Everything that defines a schema, with the schema's own name normalised away."""

    def rows(sql: str) -> list:
        with connection.cursor() as cursor:
            cursor.execute(sql, {"s": schema})
            return sorted(
                tuple(str(v).replace(f'"{schema}".', "S.").replace(f"{schema}.", "S.") for v in row)
                for row in cursor.fetchall()
            )

    return {
        "columns": rows(
            "SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity "
            "FROM information_schema.columns WHERE table_schema = %(s)s"
        ),
        "indexes": rows("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = %(s)s"),
        "constraints": rows(
            "SELECT c.conrelid::regclass::text, c.conname, c.contype, pg_get_constraintdef(c.oid) "
            "FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = %(s)s"
        ),
        "sequences": rows(
            "SELECT sequencename, data_type, start_value, increment_by FROM pg_sequences WHERE schemaname = %(s)s"
        ),
        "triggers": rows(
            "SELECT t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %(s)s AND NOT t.tgisinternal"
        ),
        "migrations": rows(f'SELECT app, name FROM "{schema}".django_migrations'),
        "content_types": rows(f'SELECT app_label, model FROM "{schema}".django_content_type'),
    }


def _force_migration_path(monkeypatch):
    def unavailable(*args, **kwargs):
        raise provisioning.TemplateUnavailable("disabled for this test")

    monkeypatch.setattr("apps.tenants.services.clone_template_into", unavailable)


def test_template_clone_matches_migrated_schema(world, db, monkeypatch):
    cloned = schema_provision(schema_name="cloned")
    assert cloned.method == "template"
    _force_migration_path(monkeypatch)
    migrated = schema_provision(schema_name="migrated")
    assert migrated.method == "migrations"
    assert migrated.note == "disabled for this test"
    left, right = _catalog("cloned"), _catalog("migrated")
    assert left["migrations"], "the clone must carry django_migrations rows"
    assert left["columns"]
    for part in left:
        assert left[part] == right[part], part


def test_cloned_schema_is_current_for_readyz(world, db):
    from backend.migration_state import _missing_by_schema, expected_migrations

    schema_provision(schema_name="fresh")
    assert _missing_by_schema(["fresh"], expected_migrations()[1]) == {}


def test_stale_template_is_detected_and_refreshed(world, db):
    template = provisioning.template_schema_name()
    assert provisioning.template_is_current()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM \"{template}\".django_migrations WHERE app = 'audit'")
        # Every table of the app, as if its migrations had never run (audit has more than one table).
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s AND tablename LIKE 'audit\\_%%'", [template]
        )
        for (table,) in cursor.fetchall():
            cursor.execute(f'DROP TABLE "{template}"."{table}" CASCADE')
    assert not provisioning.template_is_current()
    # Inside a transaction the refreshed template is invisible to pg_dump: provisioning says so and
    # falls back to migrations rather than cloning a stale template.
    result = schema_provision(schema_name="after_stale")
    assert result.method == "migrations"
    assert "refreshed inside an open transaction" in result.note
    assert provisioning.template_is_current()


def test_missing_pg_dump_falls_back_to_migrations(world, db, monkeypatch, settings):
    monkeypatch.setattr(provisioning, "_cached_dump", None)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM public.tenants_templatedump")  # no other process stored the template's SQL
    settings.PG_DUMP_PATH = "/nonexistent/pg_dump"
    result = schema_provision(schema_name="no_dump")
    assert result.method == "migrations"
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM no_dump.django_migrations")
        assert cursor.fetchone()[0] > 0


@pytest.mark.parametrize("schema", ["x_template_y", "tenant_template"])
def test_template_name_inside_other_names_is_not_rewritten(world, db, schema):
    schema_provision(schema_name=schema)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_namespace WHERE nspname = %s", [schema])
        assert cursor.fetchone()[0] == 1


def test_migrate_schemas_tenant_refreshes_a_stale_template(world, db):
    from django.core.management import call_command

    template = provisioning.template_schema_name()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM \"{template}\".django_migrations WHERE app = 'audit'")
        # Every table of the app, as if its migrations had never run (audit has more than one table).
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s AND tablename LIKE 'audit\\_%%'", [template]
        )
        for (table,) in cursor.fetchall():
            cursor.execute(f'DROP TABLE "{template}"."{table}" CASCADE')
    assert not provisioning.template_is_current()
    call_command("migrate_schemas", tenant=True, interactive=False, verbosity=0)
    assert provisioning.template_is_current()
