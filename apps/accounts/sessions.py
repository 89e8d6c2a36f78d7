"""Binding a browser session to the tenant whose host it was created on (PRODUCT.md §3)."""

from __future__ import annotations

import time

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest
from django_tenants.utils import get_public_schema_name

SESSION_TENANT_KEY = "_auth_tenant_schema"
SESSION_BOUND_AT_KEY = "_auth_tenant_bound_at"


def session_tenant(request: HttpRequest) -> str | None:
    return request.session.get(SESSION_TENANT_KEY)


def bind_session(session, *, schema_name: str) -> None:
    session[SESSION_TENANT_KEY] = schema_name
    session[SESSION_BOUND_AT_KEY] = time.time()


def session_revoked(request: HttpRequest, *, membership) -> bool:
    """True when an admin signed this member out of the tenant after this session was bound."""
    revoked_at = membership.sessions_revoked_at
    if revoked_at is None:
        return False
    return float(request.session.get(SESSION_BOUND_AT_KEY, 0)) <= revoked_at.timestamp()


@receiver(user_logged_in, dispatch_uid="accounts.bind_session_to_tenant")
def bind_session_on_login(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """Whatever view signed the user in, the session belongs to the tenant of that host."""
    tenant = getattr(request, "tenant", None) if request is not None else None
    if tenant is not None and tenant.schema_name != get_public_schema_name():
        bind_session(request.session, schema_name=tenant.schema_name)
