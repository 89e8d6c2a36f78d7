"""Committed tenant schemas for the migrate_schemas tests.

Fleet runs take an advisory lock on a connection of their own and `--parallel` workers use their
own connections, none of which can see a test's uncommitted transaction. So these tests work on
schemas that are really committed: created once per module, restored after each test, and dropped
at the end so that no other test ever sees them.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.test.utils import setup_databases, teardown_databases

from apps.accounts.models import User
from apps.tenants.models import Client
from apps.tenants.services import tenant_create

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
