"""Per-tenant request counters kept in this process and written to the usage table now and then.

Counting a request costs no query: backend.request_log adds to a dict here. Every USAGE_FLUSH_SECONDS
(production 60) the request that finds the counters due hands them to `flusher` (set by
apps.operations: one upsert for every tenant counted), after its response is built. A process that dies
loses at most that many seconds of counts; USAGE_FLUSH_SECONDS = None (tests) never flushes by itself
and `flush()` does it on demand.

Days are the platform's (UTC, backend.clock.platform_today), so the fleet's days line up.
"""

from __future__ import annotations

import datetime
import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings

from backend.clock import platform_today

logger = logging.getLogger(__name__)

# (schema, day) -> [requests, api_calls]
Counts = dict[tuple[str, datetime.date], list[int]]

_lock = threading.Lock()
_counts: Counts = {}
_last_flush = time.monotonic()
# apps.operations.services.usage_write_counts, set when that app is ready.
flusher: Callable[[Counts], None] | None = None

NOT_COUNTED = frozenset({"-", "public"})


def count_request(schema: str, *, api: bool) -> None:
    if schema in NOT_COUNTED:
        return
    key = (schema, platform_today())
    with _lock:
        entry = _counts.setdefault(key, [0, 0])
        entry[0] += 1
        if api:
            entry[1] += 1
    interval = getattr(settings, "USAGE_FLUSH_SECONDS", 60)
    if interval is not None and time.monotonic() - _last_flush >= interval:
        flush()


def pending() -> Counts:
    with _lock:
        return {key: list(value) for key, value in _counts.items()}


def flush() -> int:
    """Write the counts so far; on failure they are kept for the next attempt. Returns tenants written."""
    global _last_flush
    with _lock:
        taken = dict(_counts)
        _counts.clear()
        _last_flush = time.monotonic()
    if not taken or flusher is None:
        return 0
    try:
        flusher(taken)
    except Exception as exc:  # the database away must not fail the request that flushes
        logger.warning("usage: could not write %d tenant counters (%s); kept for later", len(taken), exc)
        with _lock:
            for key, (requests, api_calls) in taken.items():
                entry = _counts.setdefault(key, [0, 0])
                entry[0] += requests
                entry[1] += api_calls
        return 0
    return len(taken)


def reset() -> None:
    """Forget counts not yet written (tests)."""
    with _lock:
        _counts.clear()
