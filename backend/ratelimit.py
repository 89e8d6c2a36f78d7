"""Fixed-window counters in the cache: `hit("signup", ip, limit=5, window=3600)` → allowed, retry-after.

Counts live in the default cache (shared Redis in production, so every process sees the same count).
A fixed window is coarse but needs one atomic increment per hit and no bookkeeping.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache


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
    cache.add(cache_key, 0, timeout=window + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window + 1)
        count = 1
    return RateLimitResult(allowed=count <= limit, count=count, retry_after=max(1, window_start + window - now))
