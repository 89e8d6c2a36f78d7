"""Committed tenant schemas for the migrate_schemas tests.

Fleet runs take an advisory lock on a connection of their own and `--parallel` workers use their
own connections, none of which can see a test's uncommitted transaction. So these tests work on
schemas that are really committed: created once per module, restored after each test, and dropped
at the end so that no other test ever sees them.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.migrations.loader import MigrationLoader
from django.test.utils import setup_databases, teardown_databases

from apps.accounts.models import User
from apps.tenants.models import Client
from apps.tenants.services import tenant_create
from backend import migration_state
from backend.provisioning import template_schema_name

from .fleet import repair_schema

FLEET = ["fleet_a", "fleet_b", "fleet_c", "fleet_d"]


@pytest.fixture(scope="session")
def committed_test_database(django_db_setup, django_db_blocker):
    """The test database, also when only tests without `db` are selected.

    pytest-django creates it only if some selected test takes `db` (or a django_db mark); these
    tests deliberately run outside a test transaction, so they make sure of it themselves.
    """
    if connections[DEFAULT_DB_ALIAS].settings_dict["NAME"].startswith("test_"):
        yield
        return
    with django_db_blocker.unblock():
        config = setup_databases(verbosity=0, interactive=False, aliases={DEFAULT_DB_ALIAS})
    yield
    with django_db_blocker.unblock():
        teardown_databases(config, verbosity=0)


@pytest.fixture(scope="module")
def fleet(committed_test_database, world, django_db_blocker):
    """Four committed tenant schemas next to the session's alpha and beta; dropped afterwards."""
    with django_db_blocker.unblock():
        for schema in FLEET:
            tenant_create(
                schema_name=schema,
                name=schema.replace("_", " ").title(),
                domain=f"{schema.replace('_', '-')}.localhost",
                owner_email=f"owner@{schema.replace('_', '-')}.test",
            )
        connection.set_schema_to_public()
    yield FLEET
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        Client.objects.filter(schema_name__in=FLEET).delete()
        User.objects.filter(email__in=[f"owner@{schema.replace('_', '-')}.test" for schema in FLEET]).delete()
        with connection.cursor() as cursor:
            for schema in FLEET:
                cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def live(fleet, django_db_blocker):
    """Database access outside any test transaction (what a real run sees), for one test."""
    with django_db_blocker.unblock():
        yield fleet
        connection.set_schema_to_public()
        # Leave every schema as we found it even when the test failed half-way.
        for schema in fleet:
            repair_schema(schema)
        call_command("migrate_schemas", tenant=True, interactive=False, verbosity=0, lock_timeout=30)


@pytest.fixture
def add_migrations(live, settings, tmp_path, monkeypatch):
    """`add_migrations(app_label, {name: operations_source}, undo_sql=[...])`: the app gains these
    migrations, chained after its latest one (a copy of its migrations package through
    MIGRATION_MODULES; the project's files are untouched). Afterwards their records are deleted and
    `undo_sql` runs in every tenant schema and the template, so the next test sees the usual state."""
    undo: list[tuple[str, list[str], list[str]]] = []

    def add(app_label: str, migrations: dict[str, str], *, undo_sql: list[str] = ()) -> list[str]:
        package_name = f"extra_{app_label}_{uuid.uuid4().hex[:8]}"
        package = tmp_path / package_name
        shutil.copytree(
            Path(apps.get_app_config(app_label).path) / "migrations",
            package,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
        previous = max(name for app, name in MigrationLoader(None).graph.leaf_nodes() if app == app_label)
        for name, body in migrations.items():
            (package / f"{name}.py").write_text(
                "from django.db import migrations, models\n"
                "from syzygy import Stage  # noqa: F401\n\n\n"
                f"class Migration(migrations.Migration):\n    dependencies = [({app_label!r}, {previous!r})]\n{body}"
            )
            previous = name
        monkeypatch.syspath_prepend(str(tmp_path))
        settings.MIGRATION_MODULES = {**getattr(settings, "MIGRATION_MODULES", {}), app_label: package_name}
        migration_state.clear_caches()
        undo.append((app_label, list(migrations), list(undo_sql)))
        return [f"{app_label}.{name}" for name in migrations]

    yield add
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        schemas = [*migration_state.tenant_schema_names(), template_schema_name()]
        for app_label, names, undo_sql in undo:
            for schema in schemas:
                cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [f'"{schema}".django_migrations'])
                if not cursor.fetchone()[0]:
                    continue
                # The engine puts the connection's schema in front of every statement (no session SET).
                connection.set_schema(schema, include_public=False)
                for statement in undo_sql:
                    cursor.execute(statement)
                cursor.execute("DELETE FROM django_migrations WHERE app = %s AND name = ANY(%s)", [app_label, names])
                connection.set_schema_to_public()
    connection.set_schema_to_public()
    monkeypatch.undo()
    migration_state.clear_caches()
