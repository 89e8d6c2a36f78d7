"""Error pages that keep tenant branding (UI-09) and JSON bodies for API paths.

A database that cannot be reached (restarting, failing over, out of connections, PgBouncer's wait
timeout) is not a bug in the request: `server_error` answers those with 503 + Retry-After instead of
500, from a page that needs nothing from the database. Django calls handler500 inside its `except`
for any exception a view or middleware raised, so sys.exc_info() holds it there.

Every API error body has one shape (the OpenAPI schema documents it, backend/api_schema.py):
`{"detail": str, "code": str}`, plus `"fields": {name: [message, ...]}` on 400 — `error_body()` builds it,
`api_error()` answers with it from middleware and handlers outside DRF.
"""

import sys

import psycopg
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader

RETRY_AFTER_SECONDS = 5


def error_body(detail: str, code: str, fields: dict[str, list[str]] | None = None, **extra) -> dict:
    """The API's error body. `fields` (400 only) maps each offending input to its messages."""
    body: dict = {"detail": str(detail), "code": str(code)}
    if fields is not None:
        body["fields"] = fields
    body.update(extra)
    return body


def api_error(detail: str, code: str, status: int) -> JsonResponse:
    return JsonResponse(error_body(detail, code), status=status)


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return api_error("Not found.", "not_found", 404)
    return render(request, "404.html", status=404)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return api_error("You do not have permission to perform this action.", "permission_denied", 403)
    return render(request, "403.html", status=403)


_OUTAGES = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)


def database_unavailable(exc: BaseException | None) -> bool:
    """Connection-level database failures: refused, dropped, timed out, too many clients — also when
    another error was raised because of one (a library wrapping it, cleanup failing after it, or
    re-raising it `from None`): the whole chain is searched, causes and contexts alike."""
    pending, seen = [exc], set()
    while pending and len(seen) < 32:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, _OUTAGES):
            return True
        pending += [current.__cause__, current.__context__]
    return False


def service_unavailable(request: HttpRequest) -> HttpResponse:
    if _wants_json(request):
        response = api_error("The service is temporarily unavailable; try again shortly.", "unavailable", 503)
    else:
        # No request context: the context processors would query the database that just failed.
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    if database_unavailable(sys.exc_info()[1]):
        return service_unavailable(request)
    if _wants_json(request):
        return api_error("Server error.", "server_error", 500)
    return render(request, "500.html", status=500)
