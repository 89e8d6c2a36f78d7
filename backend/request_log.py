"""One middleware for what every request leaves behind: its log line, its metrics, its usage count.

Second in MIDDLEWARE (after the proxy headers, before health checks and tenant routing), so it sees
every answer, including the 404 of an unknown host and a suspended tenant's 423. It:

- decides the request id (a well-formed incoming `X-Request-ID` is kept, else a new one) and binds it
  to the log context for everything the request writes; backend.request_context reuses it;
- writes one `request` line at the end: method, route (the URL pattern, not the path), status,
  duration_ms, db_queries, tenant and user_id (when the request had one);
- counts the request in the Prometheus metrics (backend.metrics) and, on a tenant host, in the
  tenant's usage counters (backend.usage);
- answers `/metrics` itself (token or trusted address, backend.metrics).

`/healthz` and `/readyz` are neither logged nor counted (probes every few seconds would drown both).
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable

import structlog
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, get_urlconf, resolve

from backend import metrics, usage
from backend.logging import current_request

REQUEST_ID_OK = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
QUIET_PATHS = frozenset({"/healthz", "/readyz"})
UNMATCHED = "<unmatched>"

logger = structlog.get_logger("projectmeats.request")


def request_id_for(request: HttpRequest) -> str:
    existing = getattr(request, "request_id", None)
    if existing:
        return existing
    incoming = request.headers.get("X-Request-ID", "")
    request.request_id = incoming if REQUEST_ID_OK.match(incoming) else uuid.uuid4().hex
    return request.request_id


def route_of(request: HttpRequest) -> str:
    """The URL pattern that matched (bounded: one per route), resolving it if a middleware answered first."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info, urlconf=getattr(request, "urlconf", None) or get_urlconf())
        except Resolver404:
            return UNMATCHED
        except Exception:  # an unknown host has no tenant urlconf; never fail the answer over a label
            return UNMATCHED
    return "/" + match.route if match.route is not None else UNMATCHED


class _QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


class RequestObservabilityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/metrics":
            return metrics.metrics_response(request)
        if request.path in QUIET_PATHS:
            return self.get_response(request)
        request_id = request_id_for(request)
        started = time.perf_counter()
        queries = _QueryCounter()
        request_token = current_request.set(request)
        context_tokens = structlog.contextvars.bind_contextvars(request_id=request_id)
        status = 500
        try:
            with connection.execute_wrapper(queries):
                response = self.get_response(request)
            status = response.status_code
            response["X-Request-ID"] = request_id
            return response
        finally:
            seconds = time.perf_counter() - started
            route = route_of(request)
            self._record(request, route, status, seconds, queries.count)
            structlog.contextvars.reset_contextvars(**context_tokens)
            current_request.reset(request_token)

    def _record(self, request: HttpRequest, route: str, status: int, seconds: float, queries: int) -> None:
        tenant = getattr(request, "tenant", None)
        schema = getattr(tenant, "schema_name", None) or "-"
        metrics.REQUESTS.labels(request.method, route, str(status)).inc()
        metrics.REQUEST_SECONDS.labels(request.method, route).observe(seconds)
        metrics.REQUEST_QUERIES.labels(route).observe(queries)
        level = "error" if status >= 500 else "warning" if status >= 400 and status != 404 else "info"
        getattr(logger, level)(
            "request",
            tenant=schema,
            method=request.method,
            route=route,
            route_name=getattr(getattr(request, "resolver_match", None), "view_name", None),
            status=status,
            duration_ms=round(seconds * 1000, 1),
            db_queries=queries,
        )
        usage.count_request(schema, api=request.path.startswith("/api/"))
