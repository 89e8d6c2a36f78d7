"""Sign-ins to the platform admin (public host) land in the public audit log, like tenant sign-ins do
in the tenant's log. Django admin's login view is not ours, so its auth signals are the hook here;
tenant hosts are left to apps.accounts.signin, which records their events explicitly."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest
from django_tenants.utils import get_public_schema_name

from apps.audit.services import platform_audit_record

from .models import User


def _on_public_host(request: HttpRequest | None) -> bool:
    tenant = getattr(request, "tenant", None) if request is not None else None
    return tenant is not None and tenant.schema_name == get_public_schema_name()


@receiver(user_logged_in, dispatch_uid="accounts.audit_platform_login")
def audit_platform_login(sender, request: HttpRequest | None, user, **kwargs) -> None:
    if _on_public_host(request):
        platform_audit_record(action="auth.login", actor=user, target=user, changes={"method": "admin"})


@receiver(user_login_failed, dispatch_uid="accounts.audit_platform_login_failed")
def audit_platform_login_failed(sender, credentials: dict, request: HttpRequest | None = None, **kwargs) -> None:
    """Recorded for existing accounts only: an unknown e-mail names nobody."""
    if not _on_public_host(request):
        return
    email = (credentials.get("username") or credentials.get("email") or "").strip()
    user = User.objects.filter(email__iexact=email).first() if email else None
    if user is not None:
        platform_audit_record(
            action="auth.login_failed", target=user, changes={"reason": "bad_credentials", "via": "admin"}
        )
