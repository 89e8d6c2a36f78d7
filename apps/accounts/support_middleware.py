"""Support sessions on tenant hosts (apps/accounts/support.py): checked on every request.

Runs after TenantAccessMiddleware (the session is already bound to this host's tenant). A browser session
entered through a support link carries the support session's id; each request re-reads it and ends the
browser session when the support session has ended, expired, belongs elsewhere or the tenant withdrew
access. Otherwise `request.support_session` is set (the banner, the MFA and password gates), every audit
event of the request names the superuser, and requests a support session may not make are refused (403).
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from backend.errors import api_error
from backend.request_context import mark_support

from .models import SupportSession
from .support import (
    SUPPORT_SESSION_KEY,
    support_label,
    support_request_refusal,
    support_session_end,
    support_session_for_request,
    support_session_refusal,
)


def _refuse(request: HttpRequest, message: str, code: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return api_error(message, code, 403)
    return render(request, "accounts/support/refused.html", {"message": message}, status=403)


class SupportSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.support_session = None
        tenant = getattr(request, "tenant", None)
        session_store = getattr(request, "session", None)
        if tenant is None or tenant.schema_name == get_public_schema_name() or session_store is None:
            return self.get_response(request)
        pk = session_store.get(SUPPORT_SESSION_KEY)
        if pk is None:
            return self.get_response(request)
        support = support_session_for_request(pk=pk)
        if support is None or support.user_id != getattr(request.user, "pk", None):
            refusal = "This support session has ended."
        else:
            refusal = support_session_refusal(session=support, tenant=tenant)
        if refusal:
            if support is not None and support.ended_at is None and support.expires_at <= timezone.now():
                support_session_end(session=support, how=SupportSession.EndReason.EXPIRED)
            session_store.flush()
            request.user = AnonymousUser()
            request.membership = None
            return _refuse(request, refusal, "support_session_ended")
        request.support_session = support
        mark_support(support_label(support))
        refusal = support_request_refusal(session=support, method=request.method, path=request.path_info)
        if refusal:
            return _refuse(request, refusal, "support_session_forbidden")
        if request.method == "POST" and request.path_info == "/logout/":
            support_session_end(session=support, actor=support.superuser)
        return self.get_response(request)
