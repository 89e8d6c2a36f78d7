"""`{% load onboarding %}{% onboarding_checklist %}` — the owner's getting-started checklist, anywhere.

Renders templates/tenants/partials/onboarding.html for owners of the active tenant (nothing for others,
and nothing once every step is done or the checklist was dismissed).
"""

from django import template

from apps.accounts.permissions import Capability, has_capability
from apps.tenants.selectors import onboarding_status

register = template.Library()


@register.inclusion_tag("tenants/partials/onboarding.html", takes_context=True)
def onboarding_checklist(context) -> dict:
    request = context.get("request")
    tenant = getattr(request, "tenant", None)
    user = getattr(request, "user", None)
    status = None
    is_owner = (
        tenant is not None
        and user is not None
        and user.is_authenticated
        and has_capability(user=user, capability=Capability.OWN, tenant=tenant)
    )
    if is_owner:
        status = onboarding_status(tenant)
    return {"onboarding": status, "request": request, "csrf_token": context.get("csrf_token")}
