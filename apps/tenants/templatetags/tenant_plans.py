"""`{% load tenant_plans %}{% feature_enabled "custom_domains" as domains_on %}` — the active tenant's flag."""

from django import template

from apps.tenants.plans import feature_enabled as _feature_enabled

register = template.Library()


@register.simple_tag(takes_context=True)
def feature_enabled(context, name: str) -> bool:
    request = context.get("request")
    tenant = getattr(request, "tenant", None) or context.get("tenant")
    if tenant is None:
        return False
    return _feature_enabled(tenant, name)
