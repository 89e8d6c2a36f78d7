"""Scheduled backups: every tenant and the whole database, daily, kept in retention tiers.

The nightly job (apps.backups.tasks) takes one backup of each tenant and one of the whole database. The
day decides its tier: the 1st of the month is `monthly`, a Sunday `weekly`, any other day `daily`
(`tier_for`). Retention (grandfather-father-son) keeps, per tenant and for the database, the newest
BACKUP_KEEP_DAILY backups of any tier, the newest BACKUP_KEEP_WEEKLY weekly-or-monthly ones and the newest
BACKUP_KEEP_MONTHLY monthly ones; anything else is deleted after each new backup. `manual` backups
(`backup_tenant --store`) are never pruned.

Bundles are written through the `backups` storage alias (settings.STORAGES: the local directory
BACKUP_ROOT by default, the S3 bucket with server-side encryption in production) as
`tenants/<schema>/<UTC stamp>-<tier>.pmbk` and `database/<UTC stamp>-<tier>.pmbk`; each is also encrypted
by us before it leaves the machine (backend/backup_bundle.py). A `Backup` row records each one.
"""

from __future__ import annotations

import datetime
import logging
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.db.models import Q

from apps.tenants.models import Client
from backend.clock import now

from .bundles import BundleResult, bundle_create, database_bundle_create
from .models import Backup

logger = logging.getLogger(__name__)
STORAGE_ALIAS = "backups"


def backup_storage() -> Storage:
    return storages[STORAGE_ALIAS]


def tier_for(day: datetime.date) -> str:
    if day.day == 1:
        return Backup.Tier.MONTHLY
    if day.weekday() == 6:
        return Backup.Tier.WEEKLY
    return Backup.Tier.DAILY


def _store(*, result: BundleResult, name: str, kind: str, tenant: Client | None, tier: str, seconds: float) -> Backup:
    storage = backup_storage()
    with result.output.open("rb") as handle:
        stored = storage.save(name, File(handle))
    return Backup.objects.create(
        kind=kind,
        tenant=tenant,
        schema_name=tenant.schema_name if tenant else "",
        tier=tier,
        storage_name=stored,
        size_bytes=result.size_bytes,
        sha256=result.sha256,
        tables=result.tables,
        rows=result.rows,
        files=result.files,
        seconds=round(seconds, 3),
        created_at=now(),
    )


def tenant_backup_store(*, tenant: Client, tier: str) -> Backup:
    """Bundle the tenant, store it in the backups storage, record it, then prune its old backups."""
    started = time.perf_counter()
    stamp = now().strftime("%Y%m%dT%H%M%S%f")
    with tempfile.TemporaryDirectory(prefix="pm-backup-") as tmp:
        result = bundle_create(tenant=tenant, output=Path(tmp) / "tenant.pmbk")
        backup = _store(
            result=result,
            name=f"tenants/{tenant.schema_name}/{stamp}-{tier}.pmbk",
            kind=Backup.Kind.TENANT,
            tenant=tenant,
            tier=tier,
            seconds=time.perf_counter() - started,
        )
    retention_prune(kind=Backup.Kind.TENANT, schema_name=tenant.schema_name)
    return backup


def database_backup_store(*, tier: str) -> Backup:
    """Bundle the whole database, store it, record it, then prune old whole-database backups."""
    started = time.perf_counter()
    stamp = now().strftime("%Y%m%dT%H%M%S%f")
    with tempfile.TemporaryDirectory(prefix="pm-backup-") as tmp:
        result = database_bundle_create(output=Path(tmp) / "database.pmbk")
        backup = _store(
            result=result,
            name=f"database/{stamp}-{tier}.pmbk",
            kind=Backup.Kind.DATABASE,
            tenant=None,
            tier=tier,
            seconds=time.perf_counter() - started,
        )
    retention_prune(kind=Backup.Kind.DATABASE, schema_name="")
    return backup


def retention_keep(backups: list[Backup]) -> set[int]:
    """Primary keys to keep among one tenant's (or the database's) scheduled backups, newest first."""
    newest = sorted(backups, key=lambda b: (b.created_at, b.pk), reverse=True)
    weekly = [b for b in newest if b.tier in (Backup.Tier.WEEKLY, Backup.Tier.MONTHLY)]
    monthly = [b for b in newest if b.tier == Backup.Tier.MONTHLY]
    keep = {b.pk for b in newest[: settings.BACKUP_KEEP_DAILY]}
    keep |= {b.pk for b in weekly[: settings.BACKUP_KEEP_WEEKLY]}
    keep |= {b.pk for b in monthly[: settings.BACKUP_KEEP_MONTHLY]}
    return keep


def retention_prune(*, kind: str, schema_name: str) -> list[str]:
    """Delete the scheduled backups that retention no longer keeps (storage object, then row)."""
    scheduled = list(Backup.objects.filter(kind=kind, schema_name=schema_name).filter(~Q(tier=Backup.Tier.MANUAL)))
    keep = retention_keep(scheduled)
    return _backups_delete(backup for backup in scheduled if backup.pk not in keep)


def purged_tenant_backups_prune() -> list[str]:
    """Backups of tenants that no longer exist (purged after offboarding) are kept BACKUP_PURGED_TENANT_DAYS
    after they were taken, as a safety net, then deleted like any other (manual ones too)."""
    cutoff = now() - datetime.timedelta(days=settings.BACKUP_PURGED_TENANT_DAYS)
    existing = Client.objects.values_list("schema_name", flat=True)
    stale = Backup.objects.filter(kind=Backup.Kind.TENANT, created_at__lt=cutoff).exclude(schema_name__in=existing)
    return _backups_delete(stale)


def _backups_delete(backups: Iterable[Backup]) -> list[str]:
    """Delete each backup's file, then its row; a file that cannot be deleted keeps its row (retried next time)."""
    storage = backup_storage()
    removed = []
    for backup in backups:
        try:
            storage.delete(backup.storage_name)
        except OSError:
            logger.exception("backup retention: could not delete %s; kept its row to retry", backup.storage_name)
            continue
        removed.append(backup.storage_name)
        backup.delete()
    return removed


def tenants_to_back_up() -> list[Client]:
    """Every tenant but the public one (suspended and offboarding tenants too: their data still exists)."""
    return list(Client.objects.exclude(schema_name="public").order_by("schema_name"))
