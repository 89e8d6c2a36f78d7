"""`/healthz` (the process answers) and `/readyz` (database, cache and migrations) on every host.

Runs before tenant routing so load balancers can probe by IP or any Host header. `/healthz` is open and
cheap. `/readyz` checks the public schema's migrations and reads the fleet's migration record (not every
schema: `backend.migration_state.fleet_tenants_behind`), and answers only a client in
READYZ_ALLOWED_NETWORKS (the real client, after trusted proxies) or one sending `X-Readyz-Token:
<READYZ_TOKEN>`, to everyone else 404; its result is cached READYZ_CACHE_SECONDS per process; and it
counts schemas behind without naming them (schema names are customers' names: `migrate_schemas --plan`
lists them).
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import time
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

from backend.client_ip import client_ip
from backend.errors import api_error
from backend.migration_state import fleet_tenants_behind, shared_behind

logger = logging.getLogger(__name__)


def readiness() -> tuple[bool, dict]:
    checks: dict[str, dict] = {}
    try:
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = {"ok": True}
    except Exception as exc:  # the probe reports failures, it must not raise them
        logger.warning("readyz: database check failed: %s", exc)
        checks["database"] = {"ok": False, "error": exc.__class__.__name__}
        return False, checks

    try:
        cache.set("readyz", "1", 5)
        checks["cache"] = {"ok": cache.get("readyz") == "1"}
    except Exception as exc:
        checks["cache"] = {"ok": False, "error": exc.__class__.__name__}

    try:
        # The public schema itself, then the fleet from its record: a few queries at any fleet size.
        behind = len(shared_behind()) or fleet_tenants_behind(settings.READYZ_FLEET_RECHECK_SECONDS)[0]
        checks["migrations"] = {"ok": not behind}
        if behind:
            checks["migrations"]["count"] = behind
            logger.warning("readyz: %d schemas behind their migrations (migrate_schemas --plan names them)", behind)
    except Exception as exc:
        logger.warning("readyz: migration check failed: %s", exc)
        checks["migrations"] = {"ok": False, "error": exc.__class__.__name__}

    return all(check["ok"] for check in checks.values()), checks


_cached: dict[str, tuple[float, bool, dict]] = {}


def readiness_cache_clear() -> None:
    _cached.clear()


def cached_readiness() -> tuple[bool, dict]:
    """readiness(), a healthy answer reused for READYZ_CACHE_SECONDS in this process (probes come every few
    seconds); a failure is never reused, so recovery shows at once."""
    now = time.monotonic()
    hit = _cached.get("readyz")
    if hit is not None and now - hit[0] < settings.READYZ_CACHE_SECONDS:
        return hit[1], hit[2]
    ready, checks = readiness()
    if ready:
        _cached["readyz"] = (now, ready, checks)
    else:
        _cached.pop("readyz", None)
    return ready, checks


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def readyz_allowed(request: HttpRequest) -> bool:
    token = settings.READYZ_TOKEN
    presented = request.headers.get("X-Readyz-Token", "")
    if token and presented and hmac.compare_digest(token.encode(), presented.encode()):
        return True
    try:
        address = ipaddress.ip_address(client_ip(request) or "")
    except ValueError:
        return False
    return any(address in network for network in _networks(tuple(settings.READYZ_ALLOWED_NETWORKS)))


class HealthCheckMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/healthz":
            return JsonResponse({"status": "ok"})
        if request.path == "/readyz":
            if not readyz_allowed(request):
                return api_error("Not found.", "not_found", 404)  # the same answer as any unknown path
            ready, checks = cached_readiness()
            return JsonResponse(
                {"status": "ok" if ready else "unavailable", "checks": checks},
                status=200 if ready else 503,
            )
        return self.get_response(request)
