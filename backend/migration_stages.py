"""Expand/contract stages of the migrations on disk: what may run before a deploy, what must wait.

A migration is `post` (contract) when django-syzygy says so — an explicit `stage = Stage.POST_DEPLOY`
on the Migration class, or inferred from its operations (RemoveField, DeleteModel) — and `pre`
(expand) otherwise. The `pre` stage of a schema's pending migrations is every pending migration that
is `pre` and depends, directly or not, on no pending `post` one; everything else waits for the `post`
stage, which applies all that is pending. `migrate_schemas --stage`, `/readyz` and `--plan` ask here.
"""

from __future__ import annotations

from functools import lru_cache

from django.db.migrations.loader import MigrationLoader
from syzygy.constants import Stage
from syzygy.plan import get_migration_stage

PRE, POST, ALL = "pre", "post", "all"
STAGES = (PRE, POST, ALL)


@lru_cache(maxsize=1)
def _graph():
    return MigrationLoader(None, ignore_no_migrations=True).graph


def clear_caches() -> None:
    """Forget the graph read from disk (tests that add migrations at run time)."""
    _graph.cache_clear()
    post_deploy_keys.cache_clear()


@lru_cache(maxsize=1)
def post_deploy_keys() -> frozenset[str]:
    """'app.migration' keys of every migration on disk that belongs to the `post` stage."""
    return frozenset(
        f"{app}.{name}"
        for (app, name), migration in _graph().nodes.items()
        if get_migration_stage(migration) is Stage.POST_DEPLOY
    )


def split_by_stage(pending: list[str], stage: str) -> tuple[list[str], list[str]]:
    """(to apply now, deferred to the post stage) for one schema's pending keys, in the given order.

    `pending` must be in dependency order (as `backend.migration_state` returns it). Only the `pre`
    stage defers anything.
    """
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
    """The (app, name) targets whose forward plans apply exactly `keys` (dependency-ordered) and no more.

    Those are the keys no other key in the set depends on; Django's migrate applies each with its
    unapplied ancestors, all of which are in `keys` when the set is closed under pending dependencies
    (what `split_by_stage` returns).
    """
    graph = _graph()
    nodes = [tuple(key.split(".", 1)) for key in keys]
    wanted = set(nodes)
    depended_on = {parent.key for node in nodes for parent in graph.node_map[node].parents if parent.key in wanted}
    return [node for node in nodes if node not in depended_on]
