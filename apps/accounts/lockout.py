"""django-axes glue: which credential names the account, and the response a locked-out client gets."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from backend.errors import api_error

LOCKOUT_MESSAGE = "Too many failed sign-in attempts. Try again in {minutes} minutes."


def username_from_credentials(request: HttpRequest, credentials: dict | None) -> str | None:
    """The e-mail being tried, lower-cased so that case variants share one failure count.

    Our login form and the API send `email`; Django admin's login form sends `username`.
    """
    source = credentials or request.POST
    value = source.get("email") or source.get("username")
    return value.strip().lower() if isinstance(value, str) else None


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return LOCKOUT_MESSAGE.format(minutes=minutes)


def lockout_response(request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None):
    """HTTP 429 with one clear message: JSON for the API, the lockout page for browsers."""
    status = settings.AXES_HTTP_RESPONSE_CODE
    message = lockout_message()
    if request.path.startswith("/api/"):
        return api_error(message, "locked_out", status)
    return render(request, "accounts/signin/locked_out.html", {"message": message}, status=status)
