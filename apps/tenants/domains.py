"""Custom domains of a tenant (tenant admins): add, verify by DNS TXT record, make primary, remove.
Events go to the tenant's own audit log."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.permissions import Capability, require_capability
from apps.audit.services import audit_record
from backend.dns import DnsLookupFailed, TxtResolver, get_resolver, verification_name
from backend.exceptions import ApplicationError

from .models import Client, Domain
from .plans import require_feature
from .selectors import domain_taken
from .services import _tenant_audit, _verification_token
from .validators import is_platform_subdomain, validate_domain


@transaction.atomic
def domain_add(*, tenant: Client, domain: str, actor) -> Domain:
    """Add a custom domain to `tenant`, unverified (not served) until its DNS TXT record is found."""
    require_capability(user=actor, capability=Capability.ADMINISTER, tenant=tenant)
    require_feature(tenant, "custom_domains", field="domain")
    domain = validate_domain(domain)
    if is_platform_subdomain(domain):
        raise ApplicationError(
            f"Addresses under {settings.BASE_DOMAIN} are assigned by ProjectMeats; add a domain you own.",
            field="domain",
        )
    if domain_taken(domain=domain):
        raise ApplicationError(f"Domain {domain!r} is already in use.", field="domain")
    try:
        with transaction.atomic():
            record = Domain.objects.create(
                domain=domain, tenant=tenant, is_primary=False, verification_token=_verification_token()
            )
    except IntegrityError:  # added concurrently by someone else
        raise ApplicationError(f"Domain {domain!r} is already in use.", field="domain") from None
    _tenant_audit(tenant=tenant, action="domain.add", actor=actor, target=record, changes={"domain": [None, domain]})
    return record


def domain_verify(*, domain: Domain, actor, resolver: TxtResolver | None = None) -> Domain:
    """Look up `_projectmeats-verify.<domain>`; if it holds the token, the domain is verified and served.

    The DNS lookup happens before the transaction so no row lock is held while waiting on the network.
    """
    require_capability(user=actor, capability=Capability.ADMINISTER, tenant=domain.tenant)
    if domain.is_verified:
        return domain
    name = verification_name(domain.domain)
    try:
        published = [value.strip() for value in (resolver or get_resolver()).txt_records(name)]
    except DnsLookupFailed as exc:
        raise ApplicationError(f"{exc}. Please try again in a few minutes.", field="domain") from None
    if domain.verification_token not in published:
        raise ApplicationError(
            f"No TXT record {name} with the expected value was found yet (DNS changes can take a while).",
            field="domain",
        )
    return _domain_mark_verified(domain=domain, actor=actor)


@transaction.atomic
def _domain_mark_verified(*, domain: Domain, actor) -> Domain:
    locked = Domain.objects.select_for_update().select_related("tenant").get(pk=domain.pk)
    if locked.is_verified:
        return locked
    locked.is_verified = True
    locked.verified_at = timezone.now()
    locked.save(update_fields=["is_verified", "verified_at"])  # post_save forgets cached routing
    _tenant_audit(
        tenant=locked.tenant, action="domain.verify", actor=actor, target=locked, changes={"is_verified": [False, True]}
    )
    return locked


@transaction.atomic
def domain_set_primary(*, domain: Domain, actor) -> Domain:
    """Make a verified domain the one used for links and e-mails."""
    tenant = domain.tenant
    require_capability(user=actor, capability=Capability.ADMINISTER, tenant=tenant)
    domains = {d.pk: d for d in Domain.objects.select_for_update().filter(tenant_id=tenant.pk)}
    target = domains.get(domain.pk)
    if target is None:
        raise ApplicationError("This domain no longer exists.", field="domain")
    if not target.is_verified:
        raise ApplicationError("Verify the domain before making it primary.", field="domain")
    previous = next((d for d in domains.values() if d.is_primary), None)
    if previous is not None and previous.pk == target.pk:
        return target
    Domain.objects.filter(tenant_id=tenant.pk, is_primary=True).update(is_primary=False)
    target.is_primary = True
    target.save(update_fields=["is_primary"])
    _tenant_audit(
        tenant=tenant,
        action="domain.set_primary",
        actor=actor,
        target=target,
        changes={"primary": [previous.domain if previous else None, target.domain]},
    )
    return target


@transaction.atomic
def domain_remove(*, domain: Domain, actor) -> None:
    """Remove a domain; never the tenant's last verified one. A removed primary hands over to another."""
    tenant = domain.tenant
    require_capability(user=actor, capability=Capability.ADMINISTER, tenant=tenant)
    domains = list(Domain.objects.select_for_update().filter(tenant_id=tenant.pk).order_by("created_at", "pk"))
    target = next((d for d in domains if d.pk == domain.pk), None)
    if target is None:
        raise ApplicationError("This domain no longer exists.", field="domain")
    others = [d for d in domains if d.pk != target.pk and d.is_verified]
    if target.is_verified and not others:
        raise ApplicationError("This is the last verified domain; the tenant would be unreachable.", field="domain")
    successor = None
    if target.is_primary and others:
        # Prefer our own subdomain: it can never lapse the way a customer's DNS can.
        successor = next((d for d in others if is_platform_subdomain(d.domain)), others[0])
    removed_pk = target.pk
    target.delete()  # post_delete forgets cached routing
    if successor is not None:
        successor.is_primary = True
        successor.save(update_fields=["is_primary"])
    changes = {"domain": [target.domain, None]}
    if successor is not None:
        changes["primary"] = [target.domain, successor.domain]
    with schema_context(tenant.schema_name):
        audit_record(
            action="domain.remove", actor=actor, object_type="tenants.domain", object_id=removed_pk, changes=changes
        )
