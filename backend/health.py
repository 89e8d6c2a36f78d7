"""`/healthz` (the process answers) and `/readyz` (database, cache and migrations) on every host.

Runs before tenant routing so load balancers can probe by IP or any Host header.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

from backend.migration_state import schemas_behind

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
        behind = schemas_behind()
        checks["migrations"] = {"ok": not behind}
        if behind:
            checks["migrations"]["schemas_behind"] = sorted(behind)[:20]
            checks["migrations"]["count"] = len(behind)
    except Exception as exc:
        logger.warning("readyz: migration check failed: %s", exc)
        checks["migrations"] = {"ok": False, "error": exc.__class__.__name__}

    return all(check["ok"] for check in checks.values()), checks


class HealthCheckMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/healthz":
            return JsonResponse({"status": "ok"})
        if request.path == "/readyz":
            ready, checks = readiness()
            return JsonResponse(
                {"status": "ok" if ready else "unavailable", "checks": checks},
                status=200 if ready else 503,
            )
        return self.get_response(request)
