"""Tenant routing: the request's host picks the tenant schema before any view runs (TEN-03).

The host → tenant lookup is cached (PRODUCT.md §9: no routing query for a known host). Entries are
dropped when a tenant or domain changes (apps.tenants wires `forget_hosts` to its model signals) and
expire after TENANT_ROUTING_CACHE_SECONDS anyway, which bounds staleness in other processes when the
cache is process-local (set REDIS_URL in production for a shared cache and immediate invalidation).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.template import loader
from django.utils import timezone
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import get_public_schema_name

from backend.clock import tenant_zone
from backend.errors import api_error

_MISSING = "missing"


def _cache_key(hostname: str) -> str:
    return f"tenant-route:{hostname.lower()}"


def _ttl() -> int:
    return getattr(settings, "TENANT_ROUTING_CACHE_SECONDS", 60)


def forget_hosts(hostnames: Iterable[str]) -> None:
    """Drop cached routing for these host names (call on any tenant or domain change)."""
    keys = [_cache_key(name) for name in hostnames if name]
    if keys:
        # Keys are written while the connection is on public; delete them under the same prefix.
        previous = connection.schema_name
        connection.set_schema_to_public()
        try:
            cache.delete_many(keys)
        finally:
            if previous != connection.schema_name:
                connection.set_schema(previous)


class TenantMiddleware(TenantMainMiddleware):
    """django-tenants' middleware with a cached lookup; unknown and unverified hosts get a plain 404 view.

    A tenant that is not active (suspended, offboarding) answers every page and API call with
    423 and no data; the public host is never blocked. An offboarding tenant keeps OFFBOARDING_OPEN_PATHS
    (its owner's export download) open.
    """

    def __call__(self, request):
        try:
            return super().__call__(request)
        finally:
            # The zone activated for this request must not leak into the next one on this thread.
            timezone.deactivate()

    def process_request(self, request):
        response = super().process_request(request)
        if response is not None:
            return response
        tenant = request.tenant
        # Templates, forms and `|date` render in the tenant's zone (UTC on the public host).
        timezone.activate(tenant_zone(tenant))
        status = getattr(tenant, "status", "active")
        if tenant.schema_name != get_public_schema_name() and status != "active":
            if status == "offboarding" and _open_while_offboarding(request.path):
                return None
            return suspended_response(request)
        return None

    def get_tenant(self, domain_model, hostname):
        tenant = tenant_for_host(hostname)
        if tenant is None:
            raise domain_model.DoesNotExist
        return tenant


def tenant_for_host(hostname: str):
    """The tenant a verified domain routes to, or None; cached (negative answers briefly).

    Unverified (custom) domains are unknown hosts until their DNS check passes. Call on the public
    schema: cache keys carry the active schema, and `forget_hosts` deletes them under public.
    """
    from django_tenants.utils import get_tenant_domain_model

    key = _cache_key(hostname)
    cached = cache.get(key)
    if cached == _MISSING:
        return None
    if cached is not None:
        return cached
    domain_model = get_tenant_domain_model()
    try:
        tenant = domain_model.objects.select_related("tenant").get(domain=hostname, is_verified=True).tenant
    except domain_model.DoesNotExist:
        # Short negative entry: floods of unknown hosts cost one query per host per few seconds.
        cache.set(key, _MISSING, min(_ttl(), 10))
        return None
    cache.set(key, tenant, _ttl())
    return tenant


def _open_while_offboarding(path: str) -> bool:
    """The few paths an offboarding tenant still serves: the owner's export download (and its page),
    sign-in to reach it, and static assets. Every view there checks its own permission."""
    prefixes = getattr(settings, "OFFBOARDING_OPEN_PATHS", ())
    return any(path.startswith(prefix) for prefix in prefixes)


def suspended_response(request) -> HttpResponse:
    if request.path.startswith("/api/"):
        return api_error("This account is suspended.", "tenant_suspended", 423)
    context = {"tenant_name": request.tenant.name, "offboarding": request.tenant.status == "offboarding"}
    body = loader.render_to_string("suspended.html", context)
    return HttpResponse(body, status=423)


def current_schema() -> str:
    return connection.schema_name


def is_public_schema() -> bool:
    return connection.schema_name == get_public_schema_name()
