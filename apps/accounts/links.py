"""Absolute links to a tenant's pages for e-mails, built from its primary domain (never the Host header)."""

from __future__ import annotations

from django.conf import settings

from apps.tenants.models import Domain


def tenant_host(*, tenant) -> str:
    """The tenant's primary domain (plus LINK_PORT when set, for development servers)."""
    domain = (
        Domain.objects.filter(tenant_id=tenant.pk)
        .order_by("-is_primary", "id")
        .values_list("domain", flat=True)
        .first()
    )
    if domain is None:
        raise ValueError(f"Tenant {tenant.schema_name} has no domain.")
    return f"{domain}:{settings.LINK_PORT}" if settings.LINK_PORT else domain


def tenant_url(*, tenant, path: str) -> str:
    return f"{settings.LINK_SCHEME}://{tenant_host(tenant=tenant)}{path}"
