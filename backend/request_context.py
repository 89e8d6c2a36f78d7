"""Per-request facts (request id, client IP, acting user) kept in a context variable.

Services and the audit helper read them without views passing the request around; commands and jobs
run without a request and get empty values.
"""

from __future__ import annotations

import contextvars
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace

from django.http import HttpRequest, HttpResponse

from backend.client_ip import client_ip

_REQUEST_ID_OK = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip_address: str | None = None
    # During a support session: who is really acting, e.g. "admin@platform (support session 7)".
    support: str = ""


_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar("request_context", default=RequestContext())  # noqa: B039 (frozen)


def current() -> RequestContext:
    return _current.get()


def mark_support(label: str) -> None:
    """The rest of this request acts within a support session: every audit event says so."""
    _current.set(replace(_current.get(), support=label))


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Usually decided already by backend.request_log (first in line, so its log line has it too).
        request_id = getattr(request, "request_id", None)
        if not request_id:
            incoming = request.headers.get("X-Request-ID", "")
            request_id = incoming if _REQUEST_ID_OK.match(incoming) else uuid.uuid4().hex
            request.request_id = request_id
        token = _current.set(RequestContext(request_id=request_id, ip_address=client_ip(request)))
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response["X-Request-ID"] = request_id
        return response
