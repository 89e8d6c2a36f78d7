"""Periodic operations jobs (procrastinate autodiscovers this module): usage snapshot, fleet check."""

from __future__ import annotations

import logging

from procrastinate.contrib.django import app

from .services import fleet_check_run, usage_snapshot

logger = logging.getLogger(__name__)


@app.periodic(cron="7 * * * *", periodic_id="operations-usage-snapshot")
@app.task(name="operations.usage_snapshot", queueing_lock="operations.usage_snapshot")
def usage_snapshot_periodic(timestamp: int) -> int:
    """Hourly: every tenant gets today's usage row with its storage and members."""
    written = usage_snapshot()
    logger.info("usage snapshot: %d tenants", written)
    return written


@app.periodic(cron="*/10 * * * *", periodic_id="operations-fleet-check")
@app.task(name="operations.fleet_check", queueing_lock="operations.fleet_check")
def fleet_check_periodic(timestamp: int) -> int:
    """Every 10 minutes: which schemas are behind on migrations (the fleet page and /metrics read it)."""
    check = fleet_check_run()
    logger.info("fleet check: %d of %d schemas behind", len(check.schemas_behind), check.tenants)
    return len(check.schemas_behind)
