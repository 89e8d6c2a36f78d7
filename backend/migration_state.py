"""Which schemas are behind the migration graph on disk, found with one query per question.

The graph is read from the migration files once per process; the database side is one query over
`public.django_migrations` and one UNION ALL query over every tenant schema's `django_migrations`,
so the cost does not grow with a migration executor per tenant.
"""

from __future__ import annotations

from functools import lru_cache

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django_tenants.utils import get_public_schema_name, get_tenant_model


def _labels(app_names: list[str]) -> set[str]:
    return {config.label for config in apps.get_app_configs() if config.name in app_names}


@lru_cache(maxsize=1)
def expected_migrations() -> tuple[frozenset[str], frozenset[str]]:
    """(shared, tenant) sets of 'app.migration' keys defined on disk."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    shared_labels = _labels(settings.SHARED_APPS)
    tenant_labels = _labels(settings.TENANT_APPS)
    nodes = loader.graph.nodes
    shared = frozenset(f"{app}.{name}" for app, name in nodes if app in shared_labels)
    tenant = frozenset(f"{app}.{name}" for app, name in nodes if app in tenant_labels)
    return shared, tenant


def tenant_schema_names() -> list[str]:
    table = get_tenant_model()._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT schema_name FROM "{get_public_schema_name()}"."{table}" '
            "WHERE schema_name <> %s ORDER BY schema_name",
            [get_public_schema_name()],
        )
        return [row[0] for row in cursor.fetchall()]


def _missing_by_schema(schemas: list[str], expected: frozenset[str]) -> dict[str, int]:
    """For each schema, how many expected migrations are not recorded (missing table = all)."""
    if not schemas or not expected:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid "
            "WHERE c.relname = 'django_migrations' AND n.nspname = ANY(%s)",
            [schemas],
        )
        with_table = {row[0] for row in cursor.fetchall()}
        missing = {schema: len(expected) for schema in schemas if schema not in with_table}
        present = [schema for schema in schemas if schema in with_table]
        if present:
            parts = [
                f"SELECT %s, count(*) FROM {connection.ops.quote_name(schema)}.django_migrations "
                "WHERE app || '.' || name = ANY(%s)"
                for schema in present
            ]
            params: list = []
            keys = sorted(expected)
            for schema in present:
                params += [schema, keys]
            cursor.execute(" UNION ALL ".join(parts), params)
            for schema, applied in cursor.fetchall():
                if applied < len(expected):
                    missing[schema] = len(expected) - applied
    return missing


def schemas_behind() -> dict[str, int]:
    """Schemas with unapplied migrations, mapped to how many are missing. Empty when all current."""
    shared, tenant = expected_migrations()
    behind = _missing_by_schema([get_public_schema_name()], shared)
    if get_public_schema_name() in behind:
        # Without the shared tables we cannot even list tenants.
        return behind
    behind.update(_missing_by_schema(tenant_schema_names(), tenant))
    return behind
