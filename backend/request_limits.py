"""Request bodies over REQUEST_BODY_MAX_BYTES are refused with 413 before anything reads them.

Django would otherwise spool a whole multipart body to disk before a view could check a file's size.
nginx (client_max_body_size) does the same in front; this keeps the app safe without it (runserver,
a misconfigured proxy). Django reads no more than Content-Length, so that header is what counts.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from backend.errors import api_error


def _too_large(request: HttpRequest) -> HttpResponse:
    limit = settings.REQUEST_BODY_MAX_BYTES
    message = f"The request is larger than the {limit // (1024 * 1024) or 1} MB this server accepts."
    if request.path.startswith("/api/"):
        return api_error(message, "request_too_large", 413)
    return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")


class RequestBodyLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.REQUEST_BODY_MAX_BYTES:
            return _too_large(request)
        return self.get_response(request)
