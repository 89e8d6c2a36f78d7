"""Writes about tenants: provisioning, the super tenant, suspension, custom domains, signup,
offboarding and branding. Each service is one transaction and records its audit event."""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from apps.accounts.mfa import mfa_enrolled
from apps.accounts.onboarding import owner_onboarding_send
from apps.accounts.permissions import Capability, require_capability
from apps.accounts.services import membership_ensure, user_ensure
from apps.audit.services import audit_record, platform_audit_record
from backend.dns import DnsLookupFailed, TxtResolver, get_resolver, verification_name
from backend.exceptions import ApplicationError
from backend.images import validate_image
from backend.provisioning import TemplateUnavailable, clone_template_into, pool_take, template_prepare
from backend.tenancy import forget_hosts

from .models import Client, Domain, hex_colour
from .plans import require_feature
from .quotas import storage_delete, storage_save
from .selectors import domain_taken, schema_exists, signup_subdomain_problem, tenant_exists
from .validators import (
    is_platform_subdomain,
    subdomain_schema_name,
    validate_domain,
    validate_schema_name,
    validate_signup_subdomain,
)

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


# --- Custom domains (tenant admins; events in the tenant's own audit log) ---------------------------


def _tenant_audit(*, tenant: Client, action: str, actor, target, changes: dict) -> None:
    with schema_context(tenant.schema_name):
        audit_record(action=action, actor=actor, target=target, changes=changes)


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


# --- Self-service signup (public host) --------------------------------------------------------------


def tenant_signup(*, company_name: str, subdomain: str, email: str, password: str | None) -> Client:
    """A new customer creates a tenant on `<subdomain>.<BASE_DOMAIN>` and becomes its owner.

    Called only once the address is confirmed (apps/tenants/signup.py). A new e-mail gets an account
    with `password`; an e-mail that already has an account gets no password check here (`password` must
    be None): its owner signs in on the new workspace like anywhere else. At most
    SIGNUP_MAX_TENANTS_PER_OWNER workspaces per owner. The welcome e-mail goes out from a tenant job
    queued in the same transaction.
    """
    if not transaction.get_connection().in_atomic_block:
        template_prepare()
    return _tenant_signup(company_name=company_name, subdomain=subdomain, email=email, password=password)


@transaction.atomic
def _tenant_signup(*, company_name: str, subdomain: str, email: str, password: str | None) -> Client:
    from apps.accounts.models import Membership, User

    from .tasks import send_welcome_email

    label = validate_signup_subdomain(subdomain)
    problem = signup_subdomain_problem(subdomain=label)
    if problem:
        raise ApplicationError(problem, field="subdomain")
    email = _validated_email((email or "").strip().lower(), field="email")
    existing = User.objects.select_for_update().filter(email__iexact=email).first()
    if existing is not None:
        if password is not None:
            raise ValueError("An existing account never gives its password to signup.")
        if not existing.is_active:
            raise ApplicationError("This account is disabled.", field="email")
        owned = Membership.objects.filter(user=existing, role=Membership.Role.OWNER).count()
        if owned >= settings.SIGNUP_MAX_TENANTS_PER_OWNER:
            raise ApplicationError(
                f"You already own {owned} workspaces, the most one person can create by signing up. "
                "Contact us for more.",
                field="email",
                code="tenant_cap",
            )
    else:
        try:
            validate_password(password or "", user=User(email=email, full_name=company_name))
        except ValidationError as exc:
            raise ApplicationError(" ".join(exc.messages), field="password") from None
    try:
        tenant = tenant_create(
            schema_name=subdomain_schema_name(label),
            name=company_name,
            domain=f"{label}.{settings.BASE_DOMAIN}",
            owner_email=email,
            plan=Client.Plan.STARTER,
            onboard_owner=False,  # the owner chose a password at confirmation / already has one
        )
    except ApplicationError as exc:
        field = {"schema_name": "subdomain", "domain": "subdomain", "name": "company_name", "owner_email": "email"}
        raise ApplicationError(exc.message, field=field.get(exc.field, exc.field)) from None
    owner = User.objects.get(email__iexact=email)
    if existing is None:
        owner.set_password(password)
        owner.save(update_fields=["password"])
    _platform_audit(
        action="tenant.signup", actor=owner, tenant=tenant, changes={"subdomain": label, "owner": owner.email}
    )
    with schema_context(tenant.schema_name):
        send_welcome_email.defer(user_id=owner.pk)
    return tenant


# --- Offboarding ---------------------------------------------------------------------------------------


@transaction.atomic
def tenant_offboarding_request(*, tenant: Client, actor, confirm: str) -> Client:
    """The owner asks for deletion: the tenant stops serving (423), an export job is queued, and the
    schema and files are purged after OFFBOARDING_GRACE_DAYS unless a superuser cancels first."""
    from .tasks import export_tenant_data

    require_capability(user=actor, capability=Capability.OWN, tenant=tenant)
    if (confirm or "").strip().lower() != tenant.schema_name:
        raise ApplicationError(f"Type {tenant.schema_name} to confirm.", field="confirm")
    locked = _lock_tenant(tenant)
    if locked.status != Client.Status.ACTIVE:
        raise ApplicationError(f"{locked.name} is {locked.get_status_display().lower()}, not active.", field="confirm")
    locked.status = Client.Status.OFFBOARDING
    locked.offboarding_requested_at = timezone.now()
    locked.export_file = ""
    locked.export_ready_at = None
    locked.save(update_fields=["status", "offboarding_requested_at", "export_file", "export_ready_at", "updated_at"])
    changes = {
        "status": [Client.Status.ACTIVE, Client.Status.OFFBOARDING],
        "purge_after": str(offboarding_purge_after(locked)),
    }
    _platform_audit(action="tenant.offboarding_request", actor=actor, tenant=locked, changes=changes)
    with schema_context(locked.schema_name):
        audit_record(action="tenant.offboarding_request", actor=actor, target=locked, changes=changes)
        export_tenant_data.defer()
    return locked


def offboarding_purge_after(tenant: Client):
    if tenant.offboarding_requested_at is None:
        return None
    return tenant.offboarding_requested_at + timedelta(days=settings.OFFBOARDING_GRACE_DAYS)


@transaction.atomic
def tenant_export_record(*, tenant: Client, export_file: str) -> Client:
    """The export job finished: remember the file so the owner can download it."""
    locked = Client.objects.select_for_update().get(pk=tenant.pk)
    locked.export_file = export_file
    locked.export_ready_at = timezone.now()
    locked.save(update_fields=["export_file", "export_ready_at", "updated_at"])
    with schema_context(locked.schema_name):
        audit_record(action="tenant.export_ready", target=locked, changes={"export_file": export_file})
    return locked


@transaction.atomic
def tenant_offboarding_cancel(*, tenant: Client, actor) -> Client:
    """A superuser stops the deletion before the grace period ends; the tenant is active again."""
    if not getattr(actor, "is_superuser", False):
        raise ApplicationError("Only platform superusers can cancel offboarding.", code="permission_denied")
    locked = _lock_tenant(tenant)
    if locked.status != Client.Status.OFFBOARDING:
        raise ApplicationError(f"{locked.name} is not being offboarded.", field="tenant")
    requested = locked.offboarding_requested_at
    locked.status = Client.Status.ACTIVE
    locked.offboarding_requested_at = None
    locked.save(update_fields=["status", "offboarding_requested_at", "updated_at"])
    _platform_audit(
        action="tenant.offboarding_cancel",
        actor=actor,
        tenant=locked,
        changes={"status": [Client.Status.OFFBOARDING, Client.Status.ACTIVE], "requested_at": str(requested)},
    )
    return locked


def offboarded_tenants_due(*, now=None) -> list[Client]:
    cutoff = (now or timezone.now()) - timedelta(days=settings.OFFBOARDING_GRACE_DAYS)
    return list(
        Client.objects.filter(status=Client.Status.OFFBOARDING, offboarding_requested_at__lte=cutoff).order_by("pk")
    )


def tenant_purge(*, tenant: Client, actor=None) -> dict:
    """Drop an offboarded tenant after its grace period: files under `<schema>/`, schema, Client, domains.

    Files go first: if that fails the tenant is still listed and the next run retries. The database
    part is one transaction.
    """
    from backend.tenant_export import delete_storage_prefix

    current = Client.objects.get(pk=tenant.pk)
    purge_after = offboarding_purge_after(current)
    if current.status != Client.Status.OFFBOARDING or purge_after is None or purge_after > timezone.now():
        raise ApplicationError(f"{current.name} is not due for purging.", field="tenant")
    files = delete_storage_prefix(prefix=current.schema_name)
    return _tenant_purge_database(tenant=current, files=files, actor=actor)


@transaction.atomic
def _tenant_purge_database(*, tenant: Client, files: int, actor) -> dict:
    locked = _lock_tenant(tenant)
    domains = list(Domain.objects.filter(tenant_id=locked.pk).values_list("domain", flat=True))
    schema = locked.schema_name
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {connection.ops.quote_name(schema)} CASCADE")
    summary = {"schema": schema, "name": locked.name, "domains": domains, "files_deleted": files}
    _platform_audit(action="tenant.purge", actor=actor, tenant=locked, changes=summary)
    locked.delete()  # memberships and domains cascade; auto_drop_schema is off, the schema went above
    transaction.on_commit(lambda: forget_hosts(domains))
    return summary


# --- Branding ------------------------------------------------------------------------------------------

BRANDING_FORMATS = frozenset({"PNG", "JPEG", "GIF", "ICO"})


def _validated_colour(value: str, field: str) -> str:
    value = (value or "").strip()
    try:
        hex_colour(value)
    except ValidationError:
        raise ApplicationError("Enter a colour as #rrggbb.", field=field) from None
    return value.lower()


def _store_branding_file(*, tenant: Client, kind: str, upload, info) -> str:
    # Our own name (kind + random token + the extension of the detected format): nothing of the
    # uploaded file name reaches the storage path.
    return storage_save(
        tenant=tenant,
        name=f"{tenant.schema_name}/branding/{kind}-{secrets.token_hex(8)}.{info.extension}",
        content=File(upload),
        field=kind,
    )


@transaction.atomic
def tenant_branding_update(
    *,
    tenant: Client,
    actor,
    primary_color: str,
    secondary_color: str,
    logo=None,
    favicon=None,
    remove_logo: bool = False,
    remove_favicon: bool = False,
) -> Client:
    """Colours, logo and favicon of a tenant (ADMINISTER). Images are checked by content; old files go."""
    require_capability(user=actor, capability=Capability.ADMINISTER, tenant=tenant)
    colours = {
        "primary_color": _validated_colour(primary_color, "primary_color"),
        "secondary_color": _validated_colour(secondary_color, "secondary_color"),
    }
    images = {}
    if logo is not None:
        images["logo"] = (
            logo,
            validate_image(logo, field="logo", max_bytes=settings.BRANDING_LOGO_MAX_BYTES, formats=BRANDING_FORMATS),
        )
    if favicon is not None:
        images["favicon"] = (
            favicon,
            validate_image(
                favicon, field="favicon", max_bytes=settings.BRANDING_FAVICON_MAX_BYTES, formats=BRANDING_FORMATS
            ),
        )
    stored: list[str] = []
    try:
        return _branding_apply(
            tenant=tenant,
            actor=actor,
            colours=colours,
            images=images,
            stored=stored,
            remove={"logo": remove_logo, "favicon": remove_favicon},
        )
    except BaseException:
        for name in stored:  # the database kept the old branding; do not leave the new files behind
            default_storage.delete(name)
        raise


def _branding_apply(*, tenant: Client, actor, colours: dict, images: dict, stored: list[str], remove: dict) -> Client:
    locked = Client.objects.select_for_update().get(pk=tenant.pk)
    changes: dict = {}
    for field, value in colours.items():
        if getattr(locked, field) != value:
            changes[field] = [getattr(locked, field), value]
            setattr(locked, field, value)
    obsolete: list[str] = []
    for kind in ("logo", "favicon"):
        current = getattr(locked, kind)
        new = ""
        if kind in images:
            upload, info = images[kind]
            new = _store_branding_file(tenant=locked, kind=kind, upload=upload, info=info)
            stored.append(new)
        elif not remove[kind]:
            continue
        if current != new:
            changes[kind] = [current, new]
            setattr(locked, kind, new)
            if current:
                obsolete.append(current)
    if not changes:
        return locked
    locked.save(update_fields=[*colours, "logo", "favicon", "updated_at"])  # signals refresh cached routing
    transaction.on_commit(lambda: [storage_delete(tenant=locked, name=name) for name in obsolete])
    _tenant_audit(tenant=locked, action="tenant.branding_update", actor=actor, target=locked, changes=changes)
    return locked


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
