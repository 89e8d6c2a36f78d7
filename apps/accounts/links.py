"""Absolute links to a tenant's pages for security e-mails (password reset, invitations), never built
from the Host header.

They always use the tenant's own platform host `<label>.<BASE_DOMAIN>`, verified by definition and under
our DNS: a customer's domain was checked once and may since have lapsed or been repointed, and whoever
holds it then would receive every reset link.
"""

from __future__ import annotations

from django.conf import settings

from apps.tenants.models import Domain


def tenant_host(*, tenant) -> str:
    """The tenant's verified platform subdomain, the primary one first (plus LINK_PORT when set)."""
    suffix = "." + settings.BASE_DOMAIN.lower()
    domains = (
        Domain.objects.filter(tenant_id=tenant.pk, is_verified=True, domain__iendswith=suffix)
        .order_by("-is_primary", "id")
        .values_list("domain", flat=True)
    )
    domain = domains.first()
    if domain is None:
        raise ValueError(f"Tenant {tenant.schema_name} has no verified domain under {settings.BASE_DOMAIN}.")
    return f"{domain}:{settings.LINK_PORT}" if settings.LINK_PORT else domain


def tenant_url(*, tenant, path: str) -> str:
    return f"{settings.LINK_SCHEME}://{tenant_host(tenant=tenant)}{path}"
