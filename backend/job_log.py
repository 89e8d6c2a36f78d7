"""The worker's task middleware (procrastinate): each job's log context, duration and outcome.

Every line a job writes carries `job_id`, `task` and `tenant` (its schema; backend.jobs switches to
it); the job ends with one `job` line (outcome, duration_ms) and is counted in the job metrics
(backend.metrics: runs by task and outcome, duration histogram by task). Imported by the settings
(PROCRASTINATE_WORKER_DEFAULTS), so it imports nothing from Django at module level.
"""

from __future__ import annotations

import time
from typing import Any

import structlog

logger = structlog.get_logger("projectmeats.job")


def observe_job(call_next, context, worker) -> Any:
    from backend import metrics

    job = context.job
    task = job.task_name
    tenant = (job.task_kwargs or {}).get("schema_name") or "-"
    tokens = structlog.contextvars.bind_contextvars(job_id=job.id, task=task, tenant=tenant)
    started = time.perf_counter()
    outcome = "failed"
    try:
        result = call_next()
        outcome = "succeeded"
        return result
    finally:
        seconds = time.perf_counter() - started
        metrics.JOBS.labels(task, outcome).inc()
        metrics.JOB_SECONDS.labels(task).observe(seconds)
        log = logger.info if outcome == "succeeded" else logger.error
        log("job", outcome=outcome, duration_ms=round(seconds * 1000, 1), queue=job.queue)
        structlog.contextvars.reset_contextvars(**tokens)
