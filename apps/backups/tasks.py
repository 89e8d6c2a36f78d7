"""Backup jobs (procrastinate autodiscovers this module): nightly backups in retention tiers, restore drills.

    backups.nightly (02:40 UTC)   queues one `backups.tenant` job per tenant and one `backups.database`;
                                  deletes backups of purged tenants older than BACKUP_PURGED_TENANT_DAYS
    backups.drill   (05:10 UTC)   restores the latest whole-database backup and the latest backups of the
                                  BACKUP_DRILL_TENANTS_PER_RUN tenants verified longest ago (apps/backups/drill.py)

Jobs run in the public schema (plain procrastinate tasks); each tenant's backup is its own job, so one
failing tenant does not stop the others, and a queueing lock keeps one queued backup per tenant.
"""

from __future__ import annotations

import contextlib
import logging

from django.conf import settings
from django.db import connection
from procrastinate.contrib.django import app
from procrastinate.exceptions import AlreadyEnqueued

from apps.tenants.models import Client
from backend.clock import platform_today

from .drill import DrillFailed, backup_drill, latest_backups_to_drill
from .schedule import (
    database_backup_store,
    purged_tenant_backups_prune,
    tenant_backup_store,
    tenants_to_back_up,
    tier_for,
)

logger = logging.getLogger(__name__)


@app.task(name="backups.tenant", queue="default")
def tenant_backup_job(*, schema_name: str, tier: str) -> int:
    connection.set_schema_to_public()
    tenant = Client.objects.filter(schema_name=schema_name).first()
    if tenant is None:  # purged since the job was queued
        logger.info("backup of %s skipped: no such tenant any more", schema_name)
        return 0
    backup = tenant_backup_store(tenant=tenant, tier=tier)
    logger.info("backup of %s: %s (%s bytes)", schema_name, backup.storage_name, backup.size_bytes)
    return backup.pk


@app.task(name="backups.database", queue="default", queueing_lock="backups.database")
def database_backup_job(*, tier: str) -> int:
    connection.set_schema_to_public()
    backup = database_backup_store(tier=tier)
    logger.info("whole-database backup: %s (%s bytes)", backup.storage_name, backup.size_bytes)
    return backup.pk


def nightly_backups_queue(*, tier: str) -> int:
    """Queue today's backups: the whole database and every tenant. Returns how many jobs were queued."""
    queued = 0
    with contextlib.suppress(AlreadyEnqueued):
        database_backup_job.defer(tier=tier)
        queued += 1
    for tenant in tenants_to_back_up():
        with contextlib.suppress(AlreadyEnqueued):
            tenant_backup_job.configure(queueing_lock=f"backups.tenant.{tenant.schema_name}").defer(
                schema_name=tenant.schema_name, tier=tier
            )
            queued += 1
    return queued


@app.periodic(cron="40 2 * * *", periodic_id="backups-nightly")
@app.task(name="backups.nightly", queue="default", queueing_lock="backups.nightly")
def nightly_backups(timestamp: int) -> int:
    """Every night: today's tier (monthly on the 1st, weekly on Sundays, else daily) for every tenant and
    the whole database."""
    connection.set_schema_to_public()
    queued = nightly_backups_queue(tier=tier_for(platform_today()))
    removed = purged_tenant_backups_prune()
    logger.info("nightly backups: %d jobs queued, %d backups of purged tenants deleted", queued, len(removed))
    return queued


def restore_drills_run() -> tuple[int, list[str]]:
    """Drill the chosen backups; returns (how many verified, one line per failure)."""
    verified, failures = 0, []
    for backup in latest_backups_to_drill(tenants=settings.BACKUP_DRILL_TENANTS_PER_RUN):
        try:
            backup_drill(backup)
            verified += 1
        except DrillFailed as exc:
            failures.append(str(exc))
    return verified, failures


@app.periodic(cron="10 5 * * *", periodic_id="backups-drill")
@app.task(name="backups.drill", queue="default", queueing_lock="backups.drill")
def restore_drill_job(timestamp: int) -> int:
    """Every night after the backups: restore drills; the job fails (and shows as failed) if any drill did."""
    connection.set_schema_to_public()
    verified, failures = restore_drills_run()
    if failures:
        raise DrillFailed(f"{len(failures)} restore drill(s) failed; first: {failures[0]}")
    logger.info("restore drills: %d verified", verified)
    return verified
