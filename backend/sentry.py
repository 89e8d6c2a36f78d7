"""Optional error reporting to Sentry (sentry-sdk), on when SENTRY_DSN is set.

Events are tagged with the tenant schema, the request id (the one in our log lines and the
X-Request-ID header) and, in jobs, the job id and task. Personal data is scrubbed before anything
leaves the process (`scrub_event`): sentry-sdk's `send_default_pii` stays at its default, off (no
cookies, user e-mail, IP or request bodies), and on top of that we drop request bodies, cookies, the
query string and secret-bearing headers, replace the URL's path with the route pattern (reset and
invitation tokens live in paths), keep only the user's id, redact secret-looking keys anywhere, and mask
e-mail addresses in messages and exception texts. No local variables are sent.
"""

from __future__ import annotations

import re
from typing import Any

from backend.logging import REDACTED, SENSITIVE_KEYS, current_request, user_id_of

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
KEPT_HEADERS = frozenset({"host", "user-agent", "accept", "accept-language", "content-type", "content-length"})


def _sensitive(key: str) -> bool:
    lowered = key.lower()
    return lowered != "request_id" and any(word in lowered for word in SENSITIVE_KEYS)


def _clean(value: Any, depth: int = 0) -> Any:
    if depth > 8:
        return value
    if isinstance(value, dict):
        return {k: REDACTED if isinstance(k, str) and _sensitive(k) else _clean(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(item, depth + 1) for item in value]
    if isinstance(value, str):
        return EMAIL.sub("[email]", value)
    return value


def _context_tags() -> dict[str, str]:
    import structlog
    from django.db import connection

    bound = structlog.contextvars.get_contextvars()
    tags = {"tenant": str(bound.get("tenant") or getattr(connection, "schema_name", "") or "-")}
    for key in ("request_id", "job_id", "task", "command"):
        if bound.get(key) is not None:
            tags[key] = str(bound[key])
    return tags


def scrub_event(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """before_send: tags, then personal data out (see the module docstring)."""
    event.setdefault("tags", {}).update(_context_tags())
    http_request = current_request.get()
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("data", None)
        request.pop("cookies", None)
        request.pop("env", None)
        if request.get("query_string"):
            request["query_string"] = REDACTED
        headers = request.get("headers") or {}
        request["headers"] = {k: v for k, v in headers.items() if k.lower() in KEPT_HEADERS}
        if http_request is not None:
            from backend.request_log import route_of

            request["url"] = f"{http_request.scheme}://{http_request.get_host()}{route_of(http_request)}"
    user_id = user_id_of(http_request)
    event["user"] = {"id": str(user_id)} if user_id is not None else {}
    for key in ("extra", "contexts", "breadcrumbs", "logentry", "message", "exception"):
        if key in event:
            event[key] = _clean(event[key])
    return event


def init_sentry(
    *, dsn: str, environment: str = "production", release: str = "", traces_sample_rate: float = 0.0, **options
) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import ignore_logger

    # A failing request is reported once, by the Django integration, with its exception: not again for
    # our request line or Django's "Internal Server Error" log record.
    ignore_logger("projectmeats.request")
    ignore_logger("django.request")

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        include_local_variables=False,
        max_request_body_size="never",
        traces_sample_rate=traces_sample_rate,
        before_send=scrub_event,
        before_send_transaction=scrub_event,
        integrations=[DjangoIntegration()],
        **options,
    )
