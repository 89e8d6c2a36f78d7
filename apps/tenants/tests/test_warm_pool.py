"""The warm pool: pre-provisioned schemas taken by provisioning under a lock, never stale, never shared."""

from __future__ import annotations

import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django_tenants.utils import schema_context
from procrastinate import testing
from procrastinate.contrib.django import app

from apps.audit.chain import verify_chain
from apps.audit.models import AuditEvent
from apps.audit.services import audit_record
from apps.audit.tests.test_concurrent_appends import _on_own_connection
from apps.tenants.models import Client, PooledSchema
from apps.tenants.services import schema_provision, tenant_create
from apps.tenants.tasks import pool_refill_request, refill_tenant_pool
from apps.tenants.tests.test_provisioning import _catalog, _force_migration_path
from backend import provisioning


def _schema_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [name])
        return cursor.fetchone() is not None


def test_pooled_schema_taken_by_provisioning_matches_migrated_schema(world, db, monkeypatch):
    pooled = provisioning.pool_add()
    assert pooled.startswith("_pool_") and _schema_exists(pooled)
    taken = schema_provision(schema_name="from_pool")
    assert taken.method == "pool"
    assert taken.note == f"from {pooled}"
    assert not _schema_exists(pooled) and _schema_exists("from_pool")
    assert not PooledSchema.objects.filter(schema_name=pooled).exists()
    _force_migration_path(monkeypatch)
    migrated = schema_provision(schema_name="pool_ref")
    assert migrated.method == "migrations"
    left, right = _catalog("from_pool"), _catalog("pool_ref")
    assert left["migrations"] and left["columns"]
    for part in left:
        assert left[part] == right[part], part


def test_tenant_create_takes_a_pooled_schema_and_the_tenant_works(world, db):
    pooled = provisioning.pool_add()
    tenant = tenant_create(
        schema_name="pooled_co", name="Pooled Co", domain="pooled-co.localhost", owner_email="o@p.test"
    )
    assert tenant.provisioning.method == "pool"
    assert not _schema_exists(pooled)
    with schema_context("pooled_co"):
        assert AuditEvent.objects.count() == 0
        # The renamed schema's own objects (audit trigger function, sequences) work under the new name.
        audit_record(action="pool.check", changes={"ok": True})
        audit_record(action="pool.check", changes={"ok": True})
        report = verify_chain()
        assert report.ok and report.count == 2
        with pytest.raises(Exception, match="append-only"), transaction.atomic():
            AuditEvent.objects.all().delete()
    assert Client.objects.get(schema_name="pooled_co").name == "Pooled Co"


def test_stale_pooled_schema_is_never_used_and_is_discarded(world, db):
    pooled = provisioning.pool_add()
    PooledSchema.objects.filter(schema_name=pooled).update(fingerprint="0" * 64)
    result = schema_provision(schema_name="not_stale")
    assert result.method == "template"
    assert _schema_exists(pooled), "a stale entry is skipped, not renamed"
    assert provisioning.pool_discard_stale() == [pooled]
    assert not _schema_exists(pooled)
    assert not PooledSchema.objects.exists()


def test_empty_pool_falls_back_to_cloning_the_template(world, db):
    assert not PooledSchema.objects.exists()
    assert schema_provision(schema_name="no_pool").method == "template"


def test_pool_entry_whose_schema_vanished_is_forgotten(world, db):
    gone = provisioning.pool_add()
    kept = provisioning.pool_add()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA "{gone}" CASCADE')
    assert schema_provision(schema_name="after_gone").method == "pool"
    assert not PooledSchema.objects.exists()
    assert not _schema_exists(kept)


def test_a_rolled_back_take_returns_the_entry_to_the_pool(world, db):
    pooled = provisioning.pool_add()
    with pytest.raises(RuntimeError), transaction.atomic():
        assert provisioning.pool_take("rolled_back") == pooled
        raise RuntimeError("provisioning failed later")
    assert _schema_exists(pooled) and not _schema_exists("rolled_back")
    assert PooledSchema.objects.filter(schema_name=pooled).exists()


def test_pool_take_refuses_to_run_outside_a_transaction(world):
    with pytest.raises(RuntimeError):
        provisioning.pool_take("anything")


def test_a_take_queues_a_refill_job_only_when_a_pool_is_configured(world, db, settings):
    connector = testing.InMemoryConnector()
    with app.replace_connector(connector):
        settings.TENANT_WARM_POOL_SIZE = 0
        pool_refill_request()
        assert connector.jobs == {}
        settings.TENANT_WARM_POOL_SIZE = 2
        pool_refill_request()
        pool_refill_request()  # one queued refill is enough (queueing lock)
        (job,) = connector.jobs.values()
        assert job["task_name"] == "tenants.refill_tenant_pool"


# --- Committed data, separate connections ---------------------------------------------------------------


def _drop_schemas(names: list[str]) -> None:
    def run() -> None:
        with connection.cursor() as cursor:
            for name in names:
                cursor.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')

    _on_own_connection(run)


@pytest.fixture
def committed_pool(world, db):
    """Empties the (committed) pool afterwards, whatever the test left in it."""
    yield
    _on_own_connection(lambda: provisioning.pool_refill(size=0))
    assert _on_own_connection(lambda: PooledSchema.objects.count()) == 0


def test_concurrent_takers_never_get_the_same_schema(committed_pool):
    refill = _on_own_connection(lambda: provisioning.pool_refill(size=3))
    assert refill.available == 3 and len(refill.created) == 3
    takers = 6
    barrier = threading.Barrier(takers)
    got: dict[int, str | None] = {}
    errors: list[BaseException] = []

    def take(number: int) -> None:
        try:
            barrier.wait(timeout=30)
            with transaction.atomic():
                got[number] = provisioning.pool_take(f"race_{number}")
                barrier.wait(timeout=30)  # every taker holds its lock until all have tried
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(n,)) for n in range(takers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    try:
        assert not errors, errors
        winners = [name for name in got.values() if name is not None]
        assert len(got) == takers
        assert sorted(winners) == sorted(refill.created), "each pooled schema taken exactly once"
        assert list(got.values()).count(None) == takers - 3, "the rest find the pool empty and clone"
        assert _on_own_connection(lambda: PooledSchema.objects.count()) == 0
    finally:
        _drop_schemas([f"race_{n}" for n in range(takers)])


def test_refill_command_fills_discards_stale_and_shrinks(committed_pool, settings):
    def command(*args: str) -> str:
        out = StringIO()
        call_command("refill_tenant_pool", *args, stdout=out)
        return out.getvalue()

    settings.TENANT_WARM_POOL_SIZE = 2
    assert "2 of 2 ready; created 2, discarded 0" in _on_own_connection(lambda: command())
    stale = _on_own_connection(lambda: PooledSchema.objects.order_by("pk").first().schema_name)
    _on_own_connection(lambda: PooledSchema.objects.filter(schema_name=stale).update(fingerprint="old"))
    # The job does what the command does: the stale one goes, a fresh one replaces it.
    result = _on_own_connection(lambda: refill_tenant_pool())
    assert result["discarded"] == [stale] and len(result["created"]) == 1
    assert not _on_own_connection(lambda: _schema_exists(stale))
    assert "1 of 1 ready; created 0, discarded 1" in _on_own_connection(lambda: command("--size", "1"))
    assert _on_own_connection(lambda: PooledSchema.objects.count()) == 1


def test_refill_command_refuses_a_negative_size(world):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="0 or more"):
        call_command("refill_tenant_pool", "--size", "-1")


def test_signup_takes_a_pooled_schema(world, db):
    from apps.tenants.signup import tenant_signup

    pooled = provisioning.pool_add()
    with app.replace_connector(testing.InMemoryConnector()):
        tenant = tenant_signup(
            company_name="Quick Cuts", subdomain="quick-cuts", email="q@quick.test", password="tender-brisket-42-smoke"
        )
    assert tenant.provisioning.method == "pool"
    assert not _schema_exists(pooled) and _schema_exists("quick_cuts")
