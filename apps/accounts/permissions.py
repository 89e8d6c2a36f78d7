"""The one permission layer: roles map to capabilities (PRODUCT.md §4), used by pages, API and services.

Services call `require_capability(user=..., tenant=..., capability=...)` so a caller without the
capability is refused whatever called the service; views and API use the mixin / DRF permission below.
"""

from __future__ import annotations

from enum import StrEnum

from django.db import connection
from rest_framework.permissions import BasePermission

from backend.exceptions import ApplicationError

from .models import Membership


class Capability(StrEnum):
    READ = "read"  # read business data, reports
    EDIT = "edit"  # create/edit partners, products, draft orders
    APPROVE = "approve"  # confirm/cancel orders, issue invoices, record payments, settle claims
    ADMINISTER = "administer"  # members, invitations, roles, branding, domains, feature settings, audit log
    OWN = "own"  # data export, plan, offboarding


_ORDER = [Capability.READ, Capability.EDIT, Capability.APPROVE, Capability.ADMINISTER, Capability.OWN]
ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Membership.Role.VIEWER: frozenset(_ORDER[:1]),
    Membership.Role.STAFF: frozenset(_ORDER[:2]),
    Membership.Role.MANAGER: frozenset(_ORDER[:3]),
    Membership.Role.ADMIN: frozenset(_ORDER[:4]),
    Membership.Role.OWNER: frozenset(_ORDER[:5]),
}


class CapabilityDenied(ApplicationError):
    """The acting user lacks a capability in this tenant (HTTP 403)."""

    def __init__(self, capability: Capability):
        super().__init__(f"Your role does not allow this ({capability}).", code="permission_denied")
        self.capability = capability


def active_tenant():
    """The tenant of the current connection (set by the routing middleware or tenant_context)."""
    return connection.tenant


def membership_for(*, user, tenant=None) -> Membership | None:
    """The user's active membership in `tenant` (default: the active tenant), cached on the user."""
    if user is None or not user.is_authenticated:
        return None
    tenant = tenant or active_tenant()
    cache = user.__dict__.setdefault("_membership_cache", {})
    if tenant.pk not in cache:
        cache[tenant.pk] = (
            Membership.objects.filter(user=user, tenant_id=tenant.pk, is_active=True, user__is_active=True)
            .select_related("tenant")
            .first()
        )
    return cache[tenant.pk]


def capabilities_for(*, user, tenant=None) -> frozenset[Capability]:
    membership = membership_for(user=user, tenant=tenant)
    return ROLE_CAPABILITIES.get(membership.role, frozenset()) if membership else frozenset()


def has_capability(*, user, capability: Capability, tenant=None) -> bool:
    return capability in capabilities_for(user=user, tenant=tenant)


def require_capability(*, user, capability: Capability, tenant=None) -> None:
    if not has_capability(user=user, capability=capability, tenant=tenant):
        raise CapabilityDenied(capability)


class CapabilityRequiredMixin:
    """Class-based views: set `required_capability`; refused users get the 403 page."""

    required_capability: Capability = Capability.READ

    def dispatch(self, request, *args, **kwargs):
        from django.core.exceptions import PermissionDenied

        if not has_capability(user=request.user, capability=self.required_capability):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def capability_required(capability: Capability):
    """Function views: `@capability_required(Capability.EDIT)`."""

    def decorator(view):
        from functools import wraps

        from django.core.exceptions import PermissionDenied

        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_capability(user=request.user, capability=capability):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class HasCapability(BasePermission):
    """DRF: reads need READ; writes need the view's `write_capability` (default EDIT).

    A view may set `capability_by_action = {"confirm": Capability.APPROVE}` for custom actions.
    """

    def has_permission(self, request, view) -> bool:
        action = getattr(view, "action", None)
        by_action = getattr(view, "capability_by_action", {})
        if action in by_action:
            needed = by_action[action]
        elif request.method in ("GET", "HEAD", "OPTIONS"):
            needed = Capability.READ
        else:
            needed = getattr(view, "write_capability", Capability.EDIT)
        return has_capability(user=request.user, capability=needed)


class ApiDocsAccess(BasePermission):
    """DRF: the OpenAPI schema and Swagger UI (API-09). Open to anyone when settings.API_DOCS_PUBLIC
    (development, test, UAT); otherwise only members with ADMINISTER here, or platform superusers."""

    def has_permission(self, request, view) -> bool:
        from django.conf import settings

        if settings.API_DOCS_PUBLIC:
            return True
        user = request.user
        if user is None or not user.is_authenticated or not user.is_active:
            return False
        return user.is_superuser or has_capability(user=user, capability=Capability.ADMINISTER)
