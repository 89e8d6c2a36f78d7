"""The daily re-check of verified custom domains (the `tenants.reverify_custom_domains` job).

A customer's DNS can lapse or be repointed long after the one-time TXT check: then someone else may
hold the name. A verified custom domain whose TXT record no longer holds its token is un-verified (no
longer routed, no longer primary: links and e-mails fall back to `<label>.<BASE_DOMAIN>`), recorded in
the tenant's audit log, and the tenant's owners are told by e-mail. A lookup that fails (timeout)
changes nothing; the next run tries again.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django_tenants.utils import get_public_schema_name, schema_context

from apps.accounts.links import tenant_url
from apps.accounts.models import Membership
from apps.audit.services import audit_record
from backend.dns import DnsLookupFailed, TxtResolver, get_resolver, verification_name

from .models import Domain
from .validators import is_platform_subdomain

logger = logging.getLogger(__name__)


def custom_domains_reverify(*, resolver: TxtResolver | None = None) -> dict:
    """Check every verified custom domain once; returns {"checked", "lapsed": [...], "failed": [...]}."""
    resolver = resolver or get_resolver()
    result: dict = {"checked": 0, "lapsed": [], "failed": []}
    domains = (
        Domain.objects.filter(is_verified=True)
        .exclude(tenant__schema_name=get_public_schema_name())  # the public host is ours, not a customer's
        .exclude(domain__iexact=settings.BASE_DOMAIN)
        .select_related("tenant")
        .order_by("pk")
    )
    for domain in domains:
        if is_platform_subdomain(domain.domain):
            continue
        result["checked"] += 1
        try:
            published = [value.strip() for value in resolver.txt_records(verification_name(domain.domain))]
        except DnsLookupFailed as exc:
            logger.warning("domain re-check of %s failed: %s", domain.domain, exc)
            result["failed"].append(domain.domain)
            continue
        if domain.verification_token and domain.verification_token in published:
            continue
        if _domain_unverify(domain=domain):
            result["lapsed"].append(domain.domain)
    return result


@transaction.atomic
def _domain_unverify(*, domain: Domain) -> bool:
    locked = Domain.objects.select_for_update().select_related("tenant").filter(pk=domain.pk).first()
    if locked is None or not locked.is_verified:
        return False
    tenant = locked.tenant
    was_primary = locked.is_primary
    locked.is_verified = False
    locked.is_primary = False
    locked.save(update_fields=["is_verified", "is_primary"])  # post_save forgets cached routing
    if was_primary:
        successor = (
            Domain.objects.filter(tenant=tenant, is_verified=True).filter(~Q(pk=locked.pk)).order_by("pk").first()
        )
        if successor is not None:
            successor.is_primary = True
            successor.save(update_fields=["is_primary"])
    with schema_context(tenant.schema_name):
        audit_record(
            action="domain.unverify",
            target=locked,
            changes={"is_verified": [True, False], "reason": "txt_record_missing"},
        )
    _notify_owners(domain=locked)
    return True


def _notify_owners(*, domain: Domain) -> None:
    tenant = domain.tenant
    owners = list(
        Membership.objects.filter(tenant=tenant, role=Membership.Role.OWNER, is_active=True, user__is_active=True)
        .values_list("user__email", flat=True)
        .order_by("user__email")
    )
    if not owners:
        return
    context = {
        "tenant": tenant,
        "domain": domain,
        "record": verification_name(domain.domain),
        "settings_url": tenant_url(tenant=tenant, path="/settings/domains/"),
    }
    body = render_to_string("tenants/email/domain_lapsed.txt", context)
    send_mail(f"{domain.domain} is no longer verified for {tenant.name}", body, None, owners)
