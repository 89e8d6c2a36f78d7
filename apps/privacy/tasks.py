"""Privacy background jobs (procrastinate autodiscovers this module): the nightly retention run."""

from __future__ import annotations

import logging

from django_tenants.utils import get_public_schema_name, schema_context
from procrastinate.contrib.django import app

from apps.tenants.models import Client

from .retention import retention_apply, retention_policy, sessions_prune

logger = logging.getLogger(__name__)


def retention_run() -> dict[str, dict[str, int]]:
    """Apply every tenant's retention policy, then end the sessions their periods expire."""
    results: dict[str, dict[str, int]] = {}
    session_days: dict[str, int] = {}
    schemas = Client.objects.exclude(schema_name=get_public_schema_name()).order_by("schema_name")
    failed: list[str] = []
    for schema in schemas.values_list("schema_name", flat=True):
        try:
            with schema_context(schema):
                policy = retention_policy()
                if policy._state.adding:
                    continue  # never set: keep everything
                results[schema] = retention_apply()
                if policy.session_days is not None:
                    session_days[schema] = policy.session_days
        except Exception:  # one tenant's failure must not spare the others; the job still fails below
            logger.exception("retention failed for %s", schema)
            failed.append(schema)
            continue
        logger.info("retention %s: %s", schema, results[schema])
    ended = sessions_prune(session_days=session_days)
    logger.info("retention: %d sessions ended", ended)
    if failed:
        raise RuntimeError(f"retention failed for {len(failed)} tenant(s): {', '.join(failed)}")
    return results


@app.periodic(cron="40 3 * * *", periodic_id="privacy-retention")
@app.task(name="privacy.retention", queue="default", queueing_lock="privacy.retention")
def retention_nightly(timestamp: int) -> int:
    """Every night: each tenant's retention periods (audit events, evidence versions, exports, sessions)."""
    return len(retention_run())
