"""Fixed-window counters in the cache: `hit("signup", ip, limit=5, window=3600)` → allowed, retry-after.

Counts live in the default cache (shared Redis in production, so every process sees the same count).
A fixed window is coarse but needs one atomic increment per hit and no bookkeeping.

When the shared cache cannot be reached (production's django-redis ignores connection errors and
answers None), counting falls back to this process's memory: limits still apply, per process, until
Redis is back. Serving never stops for the cache.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache

logger = logging.getLogger(__name__)
_fallback = LocMemCache("ratelimit-fallback", {"OPTIONS": {"MAX_ENTRIES": 10_000}})


@dataclass(frozen=True)
class RateLimitResult:
    allowed: bool
    count: int
    retry_after: int  # seconds until the window resets


def _now() -> int:
    return int(time.time())


def hit(scope: str, key: str, *, limit: int, window: int) -> RateLimitResult:
    now = _now()
    window_start = now - now % window
    cache_key = f"ratelimit:{scope}:{key}:{window_start}"
    count = _count(cache, cache_key, window)
    if count is None:
        logger.warning("rate limit %s: shared cache unreachable, counting in this process", scope)
        count = _count(_fallback, cache_key, window) or 1
    return RateLimitResult(allowed=count <= limit, count=count, retry_after=max(1, window_start + window - now))


def _count(store: BaseCache, cache_key: str, window: int) -> int | None:
    """Increment and return the counter; None when the store swallowed a connection error."""
    store.add(cache_key, 0, timeout=window + 1)
    try:
        count = store.incr(cache_key)
    except ValueError:  # expired between add and incr
        store.set(cache_key, 1, timeout=window + 1)
        count = 1
    return count
