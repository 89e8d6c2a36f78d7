"""Writes about tenants: provisioning, the super tenant, security settings, suspension and onboarding.
Each service is one transaction and records its audit event. Other concerns have their own modules:
custom domains (domains.py), signup (signup.py), offboarding (offboarding.py) and branding (branding.py);
backups and restore live in apps/backups."""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from apps.accounts.mfa import mfa_enrolled
from apps.accounts.onboarding import owner_onboarding_send
from apps.accounts.permissions import Capability, require_capability
from apps.accounts.services import membership_ensure, user_ensure
from apps.audit.services import audit_record, platform_audit_record
from backend.exceptions import ApplicationError
from backend.provisioning import TemplateUnavailable, clone_template_into, pool_take, template_prepare

from .models import Client, Domain
from .selectors import domain_taken, schema_exists, tenant_exists
from .validators import is_platform_subdomain, validate_domain, validate_schema_name

logger = logging.getLogger(__name__)


def tenant_create(
    *,
    schema_name: str,
    name: str,
    domain: str,
    owner_email: str,
    plan: str = "",
    actor=None,
    onboard_owner: bool = True,
) -> Client:
    """Create the tenant's schema (migrated), its primary domain and the owner's membership.

    With `onboard_owner` (the command and the admin; signup handles its own owner) the owner is mailed:
    a set-password link for a new account (also left on `tenant.owner_link`), else where to sign in.

    Everything runs in one transaction: a failure anywhere leaves no schema, tenant or domain. The
    template is refreshed first, outside that transaction, when no outer transaction is open. With an
    `actor` (a platform superuser in the admin) the creation is recorded in the public audit log as
    `tenant.create`; signup records its own `tenant.signup` event instead.
    """
    if not transaction.get_connection().in_atomic_block:
        template_prepare()
    return _tenant_create(
        schema_name=schema_name,
        name=name,
        domain=domain,
        owner_email=owner_email,
        plan=plan,
        actor=actor,
        onboard_owner=onboard_owner,
    )


def _validated_new_tenant(*, schema_name: str, name: str, domain: str) -> tuple[str, str, str]:
    """Normalised (schema_name, name, domain) for a tenant that does not exist yet, or ApplicationError."""
    schema_name = validate_schema_name(schema_name)
    domain = validate_domain(domain)
    name = (name or "").strip()
    if not name:
        raise ApplicationError("A tenant name is required.", field="name")
    if len(name) > 200:
        raise ApplicationError("The tenant name is longer than 200 characters.", field="name")
    if tenant_exists(schema_name=schema_name) or schema_exists(schema_name=schema_name):
        raise ApplicationError(f"A tenant with schema {schema_name!r} already exists.", field="schema_name")
    if domain_taken(domain=domain):
        raise ApplicationError(f"Domain {domain!r} is already in use.", field="domain")
    return schema_name, name, domain


def _validated_email(email: str, field: str = "owner_email") -> str:
    try:
        validate_email(email)
    except ValidationError:
        raise ApplicationError(f"Invalid owner e-mail {email!r}.", field=field) from None
    return email


@transaction.atomic
def _tenant_create(
    *, schema_name: str, name: str, domain: str, owner_email: str, plan: str = "", actor=None, onboard_owner: bool
) -> Client:
    schema_name, name, domain = _validated_new_tenant(schema_name=schema_name, name=name, domain=domain)
    _validated_email(owner_email)
    plan = plan or Client._meta.get_field("plan").default
    if plan not in Client.Plan.values:
        raise ApplicationError(f"Unknown plan {plan!r}; choose {', '.join(Client.Plan.values)}.", field="plan")

    try:
        tenant = Client(schema_name=schema_name, name=name, plan=plan)
        tenant.auto_create_schema = False  # we create the schema below, preferably from the template
        tenant.save(verbosity=0)
        tenant.provisioning = schema_provision(schema_name=schema_name)
    finally:
        connection.set_schema_to_public()
    _provisioned_domain_create(tenant=tenant, domain=domain)
    owner = user_ensure(email=owner_email)
    membership_ensure(user=owner, tenant=tenant, role="owner")
    tenant.owner_link = None
    tenant.owner_notified = False
    if onboard_owner:
        try:
            # Sent inside the transaction, like invitations: no tenant is left whose owner was never told.
            tenant.owner_link = owner_onboarding_send(tenant=tenant, user=owner)
            tenant.owner_notified = True
        except ValueError:  # no verified <label>.BASE_DOMAIN host yet: nowhere safe to link to
            logger.warning("tenant %s: owner not mailed, no verified platform host", schema_name)
    if actor is not None:
        _platform_audit(
            action="tenant.create",
            actor=actor,
            tenant=tenant,
            changes={
                "schema_name": schema_name,
                "name": name,
                "domain": domain,
                "owner": owner.email,
                "plan": plan,
                "provisioning": tenant.provisioning.method,
            },
        )
    return tenant


def _provisioned_domain_create(*, tenant: Client, domain: str) -> Domain:
    """The primary domain of a new tenant: served at once if it is one of our subdomains, else after DNS."""
    verified = is_platform_subdomain(domain)
    return Domain.objects.create(
        domain=domain,
        tenant=tenant,
        is_primary=True,
        is_verified=verified,
        verified_at=timezone.now() if verified else None,
        verification_token="" if verified else _verification_token(),
    )


def _verification_token() -> str:
    return secrets.token_urlsafe(24)


@dataclass
class Provisioning:
    method: str  # "pool", "template" or "migrations"
    seconds: float
    note: str = ""


def schema_provision(*, schema_name: str) -> Provisioning:
    """Create a migrated schema: taken from the warm pool, else cloned from the template, else by running
    migrations when it cannot be cloned. Runs in the caller's transaction."""
    from .tasks import pool_refill_request

    started = time.perf_counter()
    taken = pool_take(schema_name) if connection.in_atomic_block else None
    if taken is not None:
        transaction.on_commit(pool_refill_request)
        return Provisioning(method="pool", seconds=time.perf_counter() - started, note=f"from {taken}")
    transaction.on_commit(pool_refill_request)  # an empty pool under load: refill it
    try:
        clone_template_into(schema_name)
        return Provisioning(method="template", seconds=time.perf_counter() - started)
    except TemplateUnavailable as exc:
        logger.warning("tenant template unavailable (%s); provisioning %s by running migrations", exc, schema_name)
        note = str(exc)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {connection.ops.quote_name(schema_name)}")
    call_command("migrate_schemas", tenant=True, schema_name=schema_name, interactive=False, verbosity=0)
    connection.set_schema_to_public()
    return Provisioning(method="migrations", seconds=time.perf_counter() - started, note=note)


@dataclass
class SuperTenantResult:
    tenant: Client
    created: bool
    changed: list[str]


@transaction.atomic
def super_tenant_ensure(*, name: str | None = None, domain: str | None = None) -> SuperTenantResult:
    """Make sure the public tenant and its primary domain exist and match settings. Idempotent."""
    name = name or settings.PUBLIC_TENANT_NAME
    domain = (domain or settings.BASE_DOMAIN).lower()
    changed: list[str] = []
    tenant = Client.objects.filter(schema_name=get_public_schema_name()).first()
    created = tenant is None
    if created:
        tenant = Client(schema_name=get_public_schema_name(), name=name)
        tenant.save(verbosity=0)
    elif tenant.name != name:
        tenant.name = name
        tenant.save(update_fields=["name", "updated_at"])
        changed.append("name")

    current = Domain.objects.filter(domain=domain).first()
    if current is None:
        Domain.objects.filter(tenant=tenant, is_primary=True).update(is_primary=False)
        Domain.objects.create(
            domain=domain, tenant=tenant, is_primary=True, is_verified=True, verified_at=timezone.now()
        )
        changed.append("domain")
    elif current.tenant_id != tenant.pk:
        raise ApplicationError(f"Domain {domain!r} belongs to tenant {current.tenant.schema_name!r}.", field="domain")
    elif not current.is_primary:
        Domain.objects.filter(tenant=tenant, is_primary=True).update(is_primary=False)
        current.is_primary = True
        current.save(update_fields=["is_primary"])
        changed.append("primary domain")
    if current is not None and current.tenant_id == tenant.pk and not current.is_verified:
        current.is_verified = True  # the public host is ours by definition; unverified hosts are not routed
        current.verified_at = timezone.now()
        current.save(update_fields=["is_verified", "verified_at"])
        changed.append("domain verified")
    return SuperTenantResult(tenant=tenant, created=created, changed=changed)


@transaction.atomic
def tenant_security_update(*, tenant: Client, user, require_mfa: bool) -> Client:
    """Turn "every member must use two-factor sign-in" on or off (administrators only).

    Turning it on requires the acting user to be enrolled, so nobody locks out the workspace they
    are configuring without having gone through enrolment themselves.
    """
    require_capability(user=user, capability=Capability.ADMINISTER, tenant=tenant)
    if require_mfa and not tenant.require_mfa and not mfa_enrolled(user=user):
        raise ApplicationError(
            "Turn on two-factor authentication for your own account before requiring it of everyone.",
            field="require_mfa",
        )
    before = tenant.require_mfa
    if before != require_mfa:
        tenant.require_mfa = require_mfa
        tenant.save(update_fields=["require_mfa", "updated_at"])
        audit_record(
            action="tenant.security_update", actor=user, target=tenant, changes={"require_mfa": [before, require_mfa]}
        )
    return tenant


def _platform_audit(*, action: str, actor, tenant: Client, changes: dict) -> None:
    """Platform events about tenants go to the PUBLIC audit log, whatever schema is active."""
    platform_audit_record(action=action, actor=actor, target=tenant, changes=changes)


def _lock_tenant(tenant: Client) -> Client:
    if tenant.schema_name == get_public_schema_name():
        raise ApplicationError("The public tenant cannot change status.", field="tenant")
    return Client.objects.select_for_update().get(pk=tenant.pk)


@transaction.atomic
def tenant_suspend(*, tenant: Client, reason: str, actor) -> Client:
    """Suspend an active tenant: its pages and API answer 423 until reactivated. Audited in public."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("A reason is required to suspend a tenant.", field="reason")
    locked = _lock_tenant(tenant)
    if locked.status != Client.Status.ACTIVE:
        raise ApplicationError(f"{locked.name} is {locked.get_status_display().lower()}, not active.", field="tenant")
    locked.status = Client.Status.SUSPENDED
    locked.suspended_reason = reason
    locked.suspended_at = timezone.now()
    locked.save(update_fields=["status", "suspended_reason", "suspended_at", "updated_at"])
    _platform_audit(
        action="tenant.suspend",
        actor=actor,
        tenant=locked,
        changes={"status": [Client.Status.ACTIVE, Client.Status.SUSPENDED], "reason": reason},
    )
    return locked


@transaction.atomic
def tenant_reactivate(*, tenant: Client, actor) -> Client:
    """Lift a suspension. Audited in public with the reason the tenant had been suspended for."""
    locked = _lock_tenant(tenant)
    if locked.status != Client.Status.SUSPENDED:
        raise ApplicationError(f"{locked.name} is not suspended.", field="tenant")
    previous_reason = locked.suspended_reason
    locked.status = Client.Status.ACTIVE
    locked.suspended_reason = ""
    locked.suspended_at = None
    locked.save(update_fields=["status", "suspended_reason", "suspended_at", "updated_at"])
    _platform_audit(
        action="tenant.reactivate",
        actor=actor,
        tenant=locked,
        changes={"status": [Client.Status.SUSPENDED, Client.Status.ACTIVE], "suspended_reason": previous_reason},
    )
    return locked


def _tenant_audit(*, tenant: Client, action: str, actor, target, changes: dict) -> None:
    """Events a tenant's own admins should see go to the tenant's audit log, whatever schema is active."""
    with schema_context(tenant.schema_name):
        audit_record(action=action, actor=actor, target=target, changes=changes)


# --- Onboarding -----------------------------------------------------------------------------------------


@transaction.atomic
def onboarding_dismiss(*, tenant: Client, actor) -> Client:
    """The owner hides the onboarding checklist for the whole tenant (stored on the tenant row)."""
    require_capability(user=actor, capability=Capability.OWN, tenant=tenant)
    locked = Client.objects.select_for_update().get(pk=tenant.pk)
    if locked.onboarding_dismissed_at is not None:
        return locked
    locked.onboarding_dismissed_at = timezone.now()
    locked.save(update_fields=["onboarding_dismissed_at", "updated_at"])  # signals refresh cached routing
    _tenant_audit(
        tenant=locked,
        action="tenant.onboarding_dismiss",
        actor=actor,
        target=locked,
        changes={"onboarding_dismissed_at": [None, str(locked.onboarding_dismissed_at)]},
    )
    return locked
