"""Per-request sign-in rules: sliding idle timeout of sessions, and the two-factor gate on tenant hosts."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django_tenants.utils import get_public_schema_name

from backend.errors import api_error

from .mfa import mfa_enrolled

# Saving the session on every request would cost a write each time; once a minute keeps the idle
# timeout (SESSION_COOKIE_AGE) accurate to the minute.
SESSION_REFRESH_SECONDS = 60
LAST_SEEN_KEY = "signin.last_seen"
NO_DEVICE_UNTIL_KEY = "signin.no_device_until"


class SessionIdleMiddleware:
    """Slide the session's expiry while the user is active, so it ends after an idle period (IAM-10)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and SESSION_KEY in session:
            now = int(time.time())
            if now - session.get(LAST_SEEN_KEY, 0) >= SESSION_REFRESH_SECONDS:
                session[LAST_SEEN_KEY] = now  # marks the session modified: saved with a new expiry
        return self.get_response(request)


class MfaGateMiddleware:
    """On tenant hosts, a signed-in user who owns a device must pass the MFA challenge, and a member
    of a tenant that requires MFA must enrol, before any other page or API call."""

    VERIFY_URL = "/login/verify/"
    ENROL_PREFIX = "/account/mfa/"
    ALWAYS_OPEN = ("/logout/",)

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = self._refusal(request)
        return refusal if refusal is not None else self.get_response(request)

    def _refusal(self, request: HttpRequest) -> HttpResponse | None:
        tenant = getattr(request, "tenant", None)
        if tenant is None or tenant.schema_name == get_public_schema_name():
            return None
        user = request.user
        if not user.is_authenticated or user.is_verified() or request.path in self.ALWAYS_OPEN:
            return None
        if getattr(request, "support_session", None) is not None:
            return None  # the superuser passed their own one-time password; the member's stays theirs
        if self._enrolled(request, user):
            if request.path == self.VERIFY_URL:
                return None
            return self._refuse(request, self.VERIFY_URL, "Enter your two-factor code to continue.")
        if tenant.require_mfa and not request.path.startswith(self.ENROL_PREFIX):
            return self._refuse(
                request,
                self.ENROL_PREFIX,
                f"{tenant.name} requires two-factor authentication. Set it up to continue.",
            )
        return None

    @staticmethod
    def _enrolled(request: HttpRequest, user) -> bool:
        """Whether the user owns a confirmed device; a "no" is remembered in the session for a minute
        so that ordinary requests of users without MFA cost no extra query."""
        now = int(time.time())
        if request.session.get(NO_DEVICE_UNTIL_KEY, 0) > now:
            return False
        enrolled = mfa_enrolled(user=user)
        if not enrolled:
            request.session[NO_DEVICE_UNTIL_KEY] = now + SESSION_REFRESH_SECONDS
        return enrolled

    @staticmethod
    def _refuse(request: HttpRequest, url: str, message: str) -> HttpResponse:
        if request.path.startswith("/api/"):
            return api_error(message, "mfa_required", 403)
        messages.warning(request, message)
        return redirect(url)


class PasswordChangeRequiredMiddleware:
    """On tenant hosts, a signed-in user with a temporary password (`must_change_password`) is sent to
    the password-change page before any other page or API call opens (IAM-14). Runs after the MFA gate,
    whose pages stay reachable so that the two gates never bounce a user between them."""

    CHANGE_URL = "/account/password/"
    OPEN_PREFIXES = ("/account/password/", "/logout/", "/login/verify/", "/account/mfa/", "/static/")
    MESSAGE = "You signed in with a temporary password. Choose a new password to continue."

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tenant = getattr(request, "tenant", None)
        user = getattr(request, "user", None)
        if (
            tenant is not None
            and tenant.schema_name != get_public_schema_name()
            and user is not None
            and user.is_authenticated
            and user.must_change_password
            and getattr(request, "support_session", None) is None  # support never sets a member's password
            and not request.path.startswith(self.OPEN_PREFIXES)
        ):
            if request.path.startswith("/api/"):
                return api_error(self.MESSAGE, "password_change_required", 403)
            return redirect(self.CHANGE_URL)  # the page itself says why
        return self.get_response(request)
