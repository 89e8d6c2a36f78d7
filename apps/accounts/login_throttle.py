"""Per-IP sign-in rate limit (REQUIREMENTS IAM-13).

More than LOGIN_RATE_LIMIT sign-in attempts (POSTs to LOGIN_RATE_LIMIT_PATHS) per
LOGIN_RATE_WINDOW_SECONDS from one client IP are refused with HTTP 429 and Retry-After, whatever
e-mail they try. This sits in front of django-axes' per e-mail+IP lockout, which stays: axes stops
guessing one account's password, this stops one address spraying many accounts.

Counts are fixed-window counters in the default cache (backend.ratelimit), shared by every process.
Cache keys carry the active schema, so the count is kept under the public schema: one IP shares one
allowance across every tenant host and the public host.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_tenants.utils import get_public_schema_name, schema_context

from backend import ratelimit
from backend.client_ip import client_ip
from backend.errors import api_error

logger = logging.getLogger(__name__)

RATE_LIMIT_MESSAGE = "Too many sign-in attempts from your network. Try again in {seconds} seconds."


def _throttled_response(request: HttpRequest, retry_after: int) -> HttpResponse:
    message = RATE_LIMIT_MESSAGE.format(seconds=retry_after)
    if request.path.startswith("/api/"):
        response = api_error(message, "throttled", 429)
    else:
        response = render(request, "accounts/signin/rate_limited.html", {"message": message}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


class LoginRateLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.path in settings.LOGIN_RATE_LIMIT_PATHS:
            ip = client_ip(request) or "unknown"
            with schema_context(get_public_schema_name()):
                result = ratelimit.hit(
                    "login", ip, limit=settings.LOGIN_RATE_LIMIT, window=settings.LOGIN_RATE_WINDOW_SECONDS
                )
            if not result.allowed:
                logger.warning("Sign-in rate limit: %s attempts from %s on %s", result.count, ip, request.path)
                return _throttled_response(request, result.retry_after)
        return self.get_response(request)
