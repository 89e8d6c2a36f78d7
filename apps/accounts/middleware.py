"""Tenant hosts serve only signed-in members of that tenant, over a session bound to that tenant.

Runs after AuthenticationMiddleware. On the public host it does nothing. On a tenant host:
- a session whose stored tenant differs from the host's (or that has none) is flushed: the visitor is
  anonymous from here on, so a cookie replayed on another tenant's host authenticates nobody;
- anonymous visitors are sent to the login page, except on TENANT_OPEN_PATHS and /api/ (DRF answers);
- signed-in users without an active membership here get 403 (page, or JSON under /api/);
- `request.membership` is the active membership (or None) for views and templates.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django_tenants.utils import get_public_schema_name

from backend.errors import api_error, permission_denied

from .permissions import membership_for
from .sessions import session_revoked, session_tenant

NOT_A_MEMBER = "You do not have access to this organisation."


def _is_open(path: str) -> bool:
    return any(path.startswith(prefix) for prefix in settings.TENANT_OPEN_PATHS)


class TenantAccessMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tenant = getattr(request, "tenant", None)
        request.membership = None
        if tenant is None or tenant.schema_name == get_public_schema_name():
            return self.get_response(request)

        user = request.user
        if user.is_authenticated and session_tenant(request) != tenant.schema_name:
            # Created on another tenant's host (or before binding existed): never valid here.
            request.session.flush()
            request.user = user = AnonymousUser()

        path = request.path_info
        is_api = path.startswith("/api/")
        if not user.is_authenticated:
            if is_api or _is_open(path):
                return self.get_response(request)
            return redirect_to_login(request.get_full_path())

        request.membership = membership_for(user=user, tenant=tenant)
        if request.membership is not None and session_revoked(request, membership=request.membership):
            # An admin signed this member out of this tenant: this session ends here.
            request.session.flush()
            request.user = AnonymousUser()
            request.membership = None
            if is_api or _is_open(path):
                return self.get_response(request)
            return redirect_to_login(request.get_full_path())
        if request.membership is None and not _is_open(path):
            if is_api:
                return api_error(NOT_A_MEMBER, "not_a_member", 403)
            return permission_denied(request)
        return self.get_response(request)
