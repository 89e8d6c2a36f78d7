"""Which schemas are behind the migration graph on disk, found with one query per question.

The graph is read from the migration files once per process; the database side is one query over
`public.django_migrations` and one UNION ALL query over every tenant schema's `django_migrations`,
so the cost does not grow with a migration executor per tenant. The fleet migration command
(`backend.fleet`) and the fleet check job ask it.

That one query still reads every schema (about 1 s at 3,000 tenants), too slow for a probe. Each full
check therefore records its outcome in one row (`public.tenants_fleetmigrationstate`: fingerprint of
the tenant migrations on disk, schemas behind, highest tenant id covered), and `/readyz` reads that
row (`fleet_tenants_behind`): a few queries whatever the fleet's size, plus a check of the tenants
made since the row was written. The row is trusted while it was written by code with the same
migrations and is younger than READYZ_FLEET_RECHECK_SECONDS; otherwise the probe checks in full once
and records. `migrate_schemas` forgets the row before it changes schemas and records "none behind"
after a run that brought every tenant current.

Stages (expand/contract): a migration is `post` when django-syzygy says so — an explicit
`stage = Stage.POST_DEPLOY` on the Migration class, or inferred from its operations (RemoveField,
DeleteModel) — and `pre` otherwise. The `pre` stage of a schema's pending migrations is every pending
migration that is `pre` and depends, directly or not, on no pending `post` one; the rest waits for the
`post` stage, which applies all that is pending. Readiness only counts what the `pre` stage would apply.
"""

from __future__ import annotations

import hashlib
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


# Schemas read by one statement. A statement locks every table it reads until its transaction ends, and
# PostgreSQL's lock table holds max_locks_per_transaction (64) x max_connections (100) locks in all: one
# statement over 10,000 schemas fails with "out of shared memory", and planning one grows faster than
# linearly (37 s at 5,000 schemas).
CHECK_CHUNK = 500


def missing_migrations(schemas: list[str], expected: frozenset[str]) -> dict[str, list[str]]:
    """For each schema behind, the expected migrations it has not recorded, in dependency order.

    Schemas that are current are left out. A schema without a `django_migrations` table (or
    without the schema itself) misses everything. One catalog query, then one query per CHECK_CHUNK
    schemas (run outside a transaction, each releases its locks before the next).
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
        order = migration_order()
        for start in range(0, len(present), CHECK_CHUNK):
            chunk = present[start : start + CHECK_CHUNK]
            # One statement per chunk of schemas: each branch lists the keys that schema lacks and
            # the outer filter drops the current ones, so a fleet at its target returns no rows.
            parts = [
                f"SELECT %s AS schema_name, ARRAY(SELECT key FROM expected EXCEPT "
                f"SELECT app || '.' || name FROM {connection.ops.quote_name(schema)}.django_migrations) AS keys"
                for schema in chunk
            ]
            cursor.execute(
                "WITH expected(key) AS (SELECT unnest(%s::text[])) "
                "SELECT schema_name, keys FROM (" + " UNION ALL ".join(parts) + ") behind "
                "WHERE cardinality(keys) > 0",
                [keys, *chunk],
            )
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
    Checks every schema, and records the outcome for `/readyz` (`fleet_tenants_behind`).
    """
    behind = shared_behind()
    if behind:
        # Without the shared tables we cannot even list tenants.
        return behind
    last_tenant_id = _last_tenant_id()  # before listing: a tenant made during the check is checked later
    tenants = _needed_by_schema(tenant_schema_names(), expected_migrations()[1])
    fleet_state_record(behind=len(tenants), last_tenant_id=last_tenant_id)
    return tenants


def shared_behind() -> dict[str, int]:
    """{"public": migrations needed} when the public schema lacks some, else empty (two small queries)."""
    return _needed_by_schema([get_public_schema_name()], expected_migrations()[0])


def _needed_by_schema(schemas: list[str], expected: frozenset[str]) -> dict[str, int]:
    needed = {
        schema: len(split_by_stage(keys, PRE)[0]) for schema, keys in missing_migrations(schemas, expected).items()
    }
    return {schema: count for schema, count in needed.items() if count}


# --- The fleet record /readyz reads ----------------------------------------------------------------------

_FLEET_STATE = "tenants_fleetmigrationstate"


def tenant_fingerprint() -> str:
    """Digest of the tenant migrations on disk: records made by code with other migrations are not trusted."""
    return hashlib.sha256("\n".join(sorted(expected_migrations()[1])).encode()).hexdigest()


def _public(table: str) -> str:
    return f"{connection.ops.quote_name(get_public_schema_name())}.{connection.ops.quote_name(table)}"


def _last_tenant_id() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {_public(get_tenant_model()._meta.db_table)}")
        return cursor.fetchone()[0]


def fleet_state_record(*, behind: int, last_tenant_id: int) -> None:
    """Store the outcome of a full check of every tenant schema (one row, replaced)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_public(_FLEET_STATE)} (id, fingerprint, behind, last_tenant_id, recorded_at) "
            "VALUES (1, %s, %s, %s, now()) ON CONFLICT (id) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, "
            "behind = EXCLUDED.behind, last_tenant_id = EXCLUDED.last_tenant_id, recorded_at = EXCLUDED.recorded_at",
            [tenant_fingerprint(), behind, last_tenant_id],
        )


def fleet_state_forget(*, if_migrated: bool = False) -> int:
    """Drop the record before schemas change (a migration run): the next probe checks in full.

    Returns the highest tenant id now, for the caller to record once every tenant is current. With
    `if_migrated`, a database whose public schema has no record table yet is left alone (returns 0).
    """
    with connection.cursor() as cursor:
        if if_migrated:
            cursor.execute("SELECT to_regclass(%s)", [_public(_FLEET_STATE)])
            if cursor.fetchone()[0] is None:
                return 0
        cursor.execute(
            f"WITH gone AS (DELETE FROM {_public(_FLEET_STATE)} RETURNING id) "
            f"SELECT coalesce(max(id), 0) FROM {_public(get_tenant_model()._meta.db_table)}"
        )
        return cursor.fetchone()[0]


def fleet_tenants_behind(max_age: float) -> tuple[int, bool]:
    """(tenant schemas behind the migrations this code needs, whether every schema was read to know it).

    From the fleet record when it was made by code with these migrations less than `max_age` seconds
    ago and said none were behind, plus a check of the tenants made since: a few queries whatever the
    fleet's size. Otherwise a full check (`schemas_behind`), which records its outcome.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT last_tenant_id FROM {_public(_FLEET_STATE)} "
            "WHERE id = 1 AND fingerprint = %s AND behind = 0 AND recorded_at > now() - make_interval(secs => %s)",
            [tenant_fingerprint(), max_age],
        )
        row = cursor.fetchone()
        if row is None:
            return len(schemas_behind()), True
        cursor.execute(
            f"SELECT schema_name FROM {_public(get_tenant_model()._meta.db_table)} "
            "WHERE id > %s AND schema_name <> %s ORDER BY id",
            [row[0], get_public_schema_name()],
        )
        newer = [name for (name,) in cursor.fetchall()]
    return len(_needed_by_schema(newer, expected_migrations()[1])), False
