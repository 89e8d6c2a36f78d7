"""Which schemas are behind the migration graph on disk, found with one query per question.

The graph is read from the migration files once per process; the database side is one query over
`public.django_migrations` and one UNION ALL query over every tenant schema's `django_migrations`,
so the cost does not grow with a migration executor per tenant. `/readyz` and the fleet migration
command (`backend.fleet`) both ask it.

Stages (expand/contract): a migration is `post` when django-syzygy says so — an explicit
`stage = Stage.POST_DEPLOY` on the Migration class, or inferred from its operations (RemoveField,
DeleteModel) — and `pre` otherwise. The `pre` stage of a schema's pending migrations is every pending
migration that is `pre` and depends, directly or not, on no pending `post` one; the rest waits for the
`post` stage, which applies all that is pending. Readiness only counts what the `pre` stage would apply.
"""

from __future__ import annotations

from functools import lru_cache

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django_tenants.utils import get_public_schema_name, get_tenant_model
from syzygy.constants import Stage
from syzygy.plan import get_migration_stage

PRE, POST, ALL = "pre", "post", "all"
STAGES = (PRE, POST, ALL)


def _labels(app_names: list[str]) -> set[str]:
    return {config.label for config in apps.get_app_configs() if config.name in app_names}


@lru_cache(maxsize=1)
def _graph():
    return MigrationLoader(None, ignore_no_migrations=True).graph


def clear_caches() -> None:
    """Forget what was read from the migration files (tests that add migrations at run time)."""
    for cached in (_graph, _graph_nodes, expected_migrations, migration_order, post_deploy_keys):
        cached.cache_clear()


@lru_cache(maxsize=1)
def _graph_nodes() -> tuple[tuple[str, str], ...]:
    """Every migration on disk, in an order that applies dependencies first."""
    graph = _graph()
    ordered: dict[tuple[str, str], None] = {}
    for leaf in sorted(graph.leaf_nodes()):
        for node in graph.forwards_plan(leaf):
            ordered.setdefault(node, None)
    return tuple(ordered)


@lru_cache(maxsize=1)
def expected_migrations() -> tuple[frozenset[str], frozenset[str]]:
    """(shared, tenant) sets of 'app.migration' keys defined on disk."""
    shared_labels = _labels(settings.SHARED_APPS)
    tenant_labels = _labels(settings.TENANT_APPS)
    nodes = _graph_nodes()
    shared = frozenset(f"{app}.{name}" for app, name in nodes if app in shared_labels)
    tenant = frozenset(f"{app}.{name}" for app, name in nodes if app in tenant_labels)
    return shared, tenant


@lru_cache(maxsize=1)
def migration_order() -> dict[str, int]:
    """'app.migration' -> position in an order that applies dependencies first."""
    return {f"{app}.{name}": position for position, (app, name) in enumerate(_graph_nodes())}


@lru_cache(maxsize=1)
def post_deploy_keys() -> frozenset[str]:
    """'app.migration' keys of every migration on disk that belongs to the `post` stage."""
    return frozenset(
        f"{app}.{name}"
        for (app, name), migration in _graph().nodes.items()
        if get_migration_stage(migration) is Stage.POST_DEPLOY
    )


def split_by_stage(pending: list[str], stage: str) -> tuple[list[str], list[str]]:
    """(to apply now, left for the post stage) of one schema's pending keys (in dependency order)."""
    if stage != PRE:
        return list(pending), []
    post = post_deploy_keys()
    graph = _graph()
    deferred: set[str] = set()
    for key in pending:
        parents = graph.node_map[tuple(key.split(".", 1))].parents
        if key in post or any(f"{parent.key[0]}.{parent.key[1]}" in deferred for parent in parents):
            deferred.add(key)
    return [key for key in pending if key not in deferred], [key for key in pending if key in deferred]


def migrate_targets(keys: list[str]) -> list[tuple[str, str]]:
    """The (app, name) targets whose forward plans apply exactly `keys` (dependency-ordered).

    Those are the keys no other key in the set depends on; Django's migrate applies each with its
    unapplied ancestors, all of which are in `keys` when the set is closed under pending dependencies
    (what `split_by_stage` returns).
    """
    graph = _graph()
    nodes = [tuple(key.split(".", 1)) for key in keys]
    wanted = set(nodes)
    depended_on = {parent.key for node in nodes for parent in graph.node_map[node].parents if parent.key in wanted}
    return [node for node in nodes if node not in depended_on]


def tenant_schema_names() -> list[str]:
    table = get_tenant_model()._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT schema_name FROM "{get_public_schema_name()}"."{table}" '
            "WHERE schema_name <> %s ORDER BY schema_name",
            [get_public_schema_name()],
        )
        return [row[0] for row in cursor.fetchall()]


def missing_migrations(schemas: list[str], expected: frozenset[str]) -> dict[str, list[str]]:
    """For each schema behind, the expected migrations it has not recorded, in dependency order.

    Schemas that are current are left out. A schema without a `django_migrations` table (or
    without the schema itself) misses everything. Two queries, whatever the number of schemas.
    """
    if not schemas or not expected:
        return {}
    keys = sorted(expected, key=migration_order().get)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid "
            "WHERE c.relname = 'django_migrations' AND n.nspname = ANY(%s)",
            [schemas],
        )
        with_table = {row[0] for row in cursor.fetchall()}
        missing = {schema: list(keys) for schema in schemas if schema not in with_table}
        present = [schema for schema in schemas if schema in with_table]
        if present:
            # One statement over every schema: each branch lists the keys that schema lacks and
            # the outer filter drops the current ones, so a fleet at its target returns no rows.
            parts = [
                f"SELECT %s AS schema_name, ARRAY(SELECT key FROM expected EXCEPT "
                f"SELECT app || '.' || name FROM {connection.ops.quote_name(schema)}.django_migrations) AS keys"
                for schema in present
            ]
            cursor.execute(
                "WITH expected(key) AS (SELECT unnest(%s::text[])) "
                "SELECT schema_name, keys FROM (" + " UNION ALL ".join(parts) + ") behind "
                "WHERE cardinality(keys) > 0",
                [keys, *present],
            )
            order = migration_order()
            for schema, lacking in cursor.fetchall():
                missing[schema] = sorted(lacking, key=order.get)
    return {schema: missing[schema] for schema in schemas if schema in missing}


def _missing_by_schema(schemas: list[str], expected: frozenset[str]) -> dict[str, int]:
    """For each schema behind, how many expected migrations are not recorded."""
    return {schema: len(keys) for schema, keys in missing_migrations(schemas, expected).items()}


def schemas_behind() -> dict[str, int]:
    """Schemas lacking migrations the running code needs, mapped to how many. Empty when all current.

    Contract (post-stage) migrations are not needed: the release is deployed and validated before they
    run (see the module docstring), so a schema whose only missing migrations are those is current.
    """
    shared, tenant = expected_migrations()
    behind = _needed_by_schema([get_public_schema_name()], shared)
    if get_public_schema_name() in behind:
        # Without the shared tables we cannot even list tenants.
        return behind
    behind.update(_needed_by_schema(tenant_schema_names(), tenant))
    return behind


def _needed_by_schema(schemas: list[str], expected: frozenset[str]) -> dict[str, int]:
    needed = {
        schema: len(split_by_stage(keys, PRE)[0]) for schema, keys in missing_migrations(schemas, expected).items()
    }
    return {schema: count for schema, count in needed.items() if count}
