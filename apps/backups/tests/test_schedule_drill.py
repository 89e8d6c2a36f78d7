"""Scheduled backups (tiers, retention, storage through the `backups` storage) and restore drills against the
embedded PostgreSQL: a good backup verifies, a corrupted or lying one fails, loudly and on record."""

from __future__ import annotations

import datetime
import tempfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from procrastinate import testing
from procrastinate.contrib.django import app

from apps.accounts.models import User
from apps.audit.tests.test_concurrent_appends import _on_own_connection as _own_connection
from apps.backups.drill import DrillFailed, backup_drill, latest_backups_to_drill
from apps.backups.models import Backup, RestoreDrill
from apps.backups.schedule import (
    backup_storage,
    database_backup_store,
    purged_tenant_backups_prune,
    retention_keep,
    retention_prune,
    tenant_backup_store,
    tier_for,
)
from apps.tenants.models import Client
from apps.tenants.services import tenant_create
from backend.backup_bundle import read_bundle, write_bundle
from backend.backups import sign_manifest
from backend.tenant_export import delete_storage_prefix

SCHEMA = "dr_src"


def test_the_day_decides_the_tier():
    assert tier_for(datetime.date(2026, 11, 1)) == "monthly"  # a Sunday, but the 1st wins
    assert tier_for(datetime.date(2026, 11, 8)) == "weekly"  # Sunday
    assert tier_for(datetime.date(2026, 11, 10)) == "daily"


def test_retention_keeps_the_newest_of_each_tier(settings):
    settings.BACKUP_KEEP_DAILY, settings.BACKUP_KEEP_WEEKLY, settings.BACKUP_KEEP_MONTHLY = 7, 5, 12
    start = datetime.datetime(2026, 1, 1, 2, 40, tzinfo=datetime.UTC)
    backups = []
    for n in range(400):  # a backup every night for 400 nights
        moment = start + datetime.timedelta(days=n)
        backups.append(Backup(pk=n + 1, tier=tier_for(moment.date()), created_at=moment))
    kept = sorted((b for b in backups if b.pk in retention_keep(backups)), key=lambda b: b.created_at)
    days = [b.created_at.date() for b in kept]
    last = backups[-1].created_at.date()
    assert [d for d in days if d > last - datetime.timedelta(days=7)] == [
        last - datetime.timedelta(days=i) for i in range(6, -1, -1)
    ]
    assert len([b for b in kept if b.tier == "weekly"]) >= 4  # 5 newest weekly-or-monthly, some are monthly
    assert [b for b in kept if b.tier == "monthly"][-12:] == [b for b in kept if b.tier == "monthly"]
    assert len([b for b in kept if b.tier == "monthly"]) == 12
    assert len(kept) <= 7 + 5 + 12


@pytest.fixture(scope="module")
def source(world, django_db_blocker):
    with django_db_blocker.unblock():

        def make() -> Client:
            tenant = tenant_create(
                schema_name=SCHEMA, name="Drill Source", domain="dr-src.localhost", owner_email="o@dr.test"
            )
            from django.core.files.storage import default_storage

            default_storage.save(f"{SCHEMA}/branding/logo.png", ContentFile(b"drill logo"))
            return tenant

        tenant = _own_connection(make)
        try:
            yield tenant
        finally:

            def cleanup() -> None:
                with transaction.atomic():
                    Backup.objects.all().delete()
                    RestoreDrill.objects.all().delete()
                    Client.objects.filter(schema_name=SCHEMA).delete()
                    User.objects.filter(email__endswith="@dr.test").delete()
                    with connection.cursor() as cursor:
                        cursor.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')
                delete_storage_prefix(prefix=SCHEMA)

            _own_connection(cleanup)


def test_scheduled_tenant_backup_is_stored_recorded_and_its_drill_verifies(source, db):
    backup = _own_connection(lambda: tenant_backup_store(tenant=source, tier="daily"))
    assert backup.storage_name.startswith(f"tenants/{SCHEMA}/") and backup.storage_name.endswith("-daily.pmbk")
    assert backup_storage().exists(backup.storage_name)
    assert backup.files == 1 and backup.tables > 10
    drill = _own_connection(lambda: backup_drill(backup))
    assert drill.ok and drill.tenant_id == source.pk and drill.tables == backup.tables and drill.rows == backup.rows
    assert drill.files == 1
    assert RestoreDrill.objects.filter(tenant=source, ok=True).exists()


def _stored_copy(backup: Backup, content: bytes, suffix: str) -> Backup:
    name = backup_storage().save(backup.storage_name.replace(".pmbk", f"-{suffix}.pmbk"), ContentFile(content))
    return Backup.objects.create(
        **{
            f.name: getattr(backup, f.name)
            for f in Backup._meta.fields
            if f.name not in ("id", "storage_name", "tenant")
        },
        tenant=backup.tenant,
        storage_name=name,
    )


def test_drill_of_a_corrupted_backup_fails_and_is_recorded(source, db):
    good = _own_connection(lambda: tenant_backup_store(tenant=source, tier="daily"))
    with backup_storage().open(good.storage_name, "rb") as handle:
        raw = bytearray(handle.read())
    raw[len(raw) // 2] ^= 0x01
    bad = _own_connection(lambda: _stored_copy(good, bytes(raw), "corrupt"))
    with pytest.raises(DrillFailed) as caught:
        _own_connection(lambda: backup_drill(bad))
    assert "does not authenticate" in str(caught.value) and "\n" not in str(caught.value)
    drill = RestoreDrill.objects.get(backup=bad)
    assert not drill.ok and drill.message == str(caught.value)


def test_drill_of_a_dump_that_does_not_restore_to_its_manifest_fails(source, db, tmp_path):
    good = _own_connection(lambda: tenant_backup_store(tenant=source, tier="daily"))
    local = tmp_path / "good.pmbk"
    with backup_storage().open(good.storage_name, "rb") as handle:
        local.write_bytes(handle.read())
    with tempfile.TemporaryDirectory() as tmp:
        manifest, dump, files = read_bundle(source=local, workdir=Path(tmp), dump_name="schema.dump")
        manifest["tables"]["django_migrations"]["rows"] += 1
        lying = tmp_path / "lying.pmbk"
        write_bundle(
            target=lying,
            manifest=sign_manifest(manifest),
            dump=dump,
            dump_name="schema.dump",
            files=iter(files.items()),
        )
    with pytest.raises(CommandError) as caught:
        _own_connection(lambda: call_command("restore_drill", "--input", str(lying), stdout=StringIO()))
    assert str(caught.value).startswith(f"Restore drill failed: drill of {SCHEMA}: table django_migrations:")
    assert RestoreDrill.objects.filter(schema_name=SCHEMA, ok=False).exists()


def test_whole_database_backup_is_stored_and_its_drill_verifies_every_schema(source, db):
    backup = _own_connection(lambda: database_backup_store(tier="monthly"))
    assert backup.kind == "database" and backup.storage_name.startswith("database/")
    drill = _own_connection(lambda: backup_drill(backup))
    assert drill.ok and drill.tables == backup.tables and drill.rows == backup.rows and drill.kind == "database"


def test_retention_deletes_the_stored_objects_it_no_longer_keeps(source, db, settings):
    settings.BACKUP_KEEP_DAILY, settings.BACKUP_KEEP_WEEKLY, settings.BACKUP_KEEP_MONTHLY = 1, 0, 0

    def run():
        first = tenant_backup_store(tenant=source, tier="daily")
        manual = tenant_backup_store(tenant=source, tier="manual")
        second = tenant_backup_store(tenant=source, tier="daily")
        return first, manual, second

    first, manual, second = _own_connection(run)
    assert not backup_storage().exists(first.storage_name)
    assert not Backup.objects.filter(pk=first.pk).exists()
    assert Backup.objects.filter(pk__in=[manual.pk, second.pk]).count() == 2  # manual backups are never pruned
    assert retention_prune(kind="tenant", schema_name=SCHEMA) == []


def test_nightly_job_queues_every_tenant_and_the_database(source, db):
    from apps.backups.tasks import nightly_backups

    connector = testing.InMemoryConnector()
    with app.replace_connector(connector):
        queued = nightly_backups(timestamp=0)
    jobs = list(connector.jobs.values())
    assert queued == len(jobs)
    assert {job["task_name"] for job in jobs} == {"backups.tenant", "backups.database"}
    schemas = {job["args"].get("schema_name") for job in jobs if job["task_name"] == "backups.tenant"}
    assert {"alpha", "beta", SCHEMA} <= schemas and "public" not in schemas


def test_drill_picks_the_database_and_the_tenants_verified_longest_ago(source, db):
    chosen = latest_backups_to_drill(tenants=1)
    kinds = [b.kind for b in chosen]
    assert kinds.count("database") <= 1 and kinds.count("tenant") <= 1


def test_drill_command_without_input_runs_the_nightly_drill(source, db):
    good = _own_connection(lambda: tenant_backup_store(tenant=source, tier="manual"))
    out = StringIO()
    _own_connection(lambda: call_command("restore_drill", stdout=out))
    assert "verified" in out.getvalue()
    assert RestoreDrill.objects.filter(backup=good, ok=True).exists()


def test_backups_of_a_purged_tenant_are_deleted_after_the_grace_days(world, db, settings):
    from backend.clock import now

    settings.BACKUP_PURGED_TENANT_DAYS = 30
    made = {}
    for label, days, schema in [("old", 40, "gone_tenant"), ("recent", 10, "gone_tenant"), ("alive", 40, "alpha")]:
        name = backup_storage().save(f"tenants/{schema}/{label}.pmbk", ContentFile(b"bundle"))
        made[label] = Backup.objects.create(
            kind="tenant",
            schema_name=schema,
            tier="manual",
            storage_name=name,
            size_bytes=6,
            sha256="0" * 64,
            tables=0,
            rows=0,
            seconds=0,
            created_at=now() - datetime.timedelta(days=days),
        )
    assert purged_tenant_backups_prune() == [made["old"].storage_name]
    assert not backup_storage().exists(made["old"].storage_name)
    assert set(Backup.objects.filter(pk__in=[b.pk for b in made.values()])) == {made["recent"], made["alive"]}
    for backup in (made["recent"], made["alive"]):
        backup_storage().delete(backup.storage_name)


def test_extract_writes_a_verified_dump_manifest_and_files(source, db, tmp_path):
    backup = _own_connection(lambda: tenant_backup_store(tenant=source, tier="manual"))
    local = tmp_path / "b.pmbk"
    with backup_storage().open(backup.storage_name, "rb") as handle:
        local.write_bytes(handle.read())
    out = StringIO()
    call_command("extract_backup", "--input", str(local), "--output-dir", str(tmp_path / "x"), stdout=out)
    assert (tmp_path / "x" / "schema.dump").read_bytes()[:5] == b"PGDMP"
    assert (tmp_path / "x" / "files" / "branding" / "logo.png").read_bytes() == b"drill logo"
    assert "verified" in out.getvalue().lower()
    local.write_bytes(local.read_bytes()[:-1])
    with pytest.raises(CommandError, match="truncated|corrupted"):
        call_command("extract_backup", "--input", str(local), "--output-dir", str(tmp_path / "y"))
    assert not (tmp_path / "y").exists()


def test_backups_and_drills_are_procrastinate_periodic_tasks():
    import apps.backups.tasks  # noqa: F401  (registers the tasks, as the worker's autodiscovery does)

    crons = {key: task.cron for key, task in app.periodic_registry.periodic_tasks.items()}
    assert crons[("backups.nightly", "backups-nightly")] == "40 2 * * *"
    assert crons[("backups.drill", "backups-drill")] == "10 5 * * *"  # after the night's backups
