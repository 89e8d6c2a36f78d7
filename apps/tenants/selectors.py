"""Reads about tenants and domains."""

from __future__ import annotations

from dataclasses import dataclass

from django_tenants.utils import get_public_schema_name
from django_tenants.utils import schema_exists as pg_schema_exists

from .models import Client, Domain


def tenant_exists(*, schema_name: str) -> bool:
    return Client.objects.filter(schema_name=schema_name).exists()


def domain_taken(*, domain: str) -> bool:
    return Domain.objects.filter(domain__iexact=domain).exists()


def tenant_list() -> list[Client]:
    return list(Client.objects.exclude(schema_name=get_public_schema_name()).prefetch_related("domains"))


def tenant_create_differences(
    *, schema_name: str, name: str, domain: str, owner_email: str, plan: str = ""
) -> list[str] | None:
    """For an idempotent create_tenant: None when no tenant has `schema_name`; else what differs between
    it and these arguments (an empty list: the same tenant, nothing to do)."""
    tenant = Client.objects.filter(schema_name=(schema_name or "").strip()).first()
    if tenant is None:
        return None
    differences = []
    if tenant.name != (name or "").strip():
        differences.append("name")
    domains = set(Domain.objects.filter(tenant=tenant, is_primary=True).values_list("domain", flat=True))
    if (domain or "").strip().lower() not in domains:
        differences.append("domain")
    owners = {email.lower() for email in tenant.memberships.filter(role="owner").values_list("user__email", flat=True)}
    if (owner_email or "").strip().lower() not in owners:
        differences.append("owner")
    if plan and plan != tenant.plan:
        differences.append("plan")
    return differences


def schema_exists(*, schema_name: str) -> bool:
    return pg_schema_exists(schema_name)


def tenant_domain_list(*, tenant: Client) -> list[Domain]:
    return list(Domain.objects.filter(tenant_id=tenant.pk).order_by("-is_primary", "-is_verified", "domain"))


def get_domain_for_user(*, user, tenant: Client, pk: int) -> Domain:
    """One of `tenant`'s domains if `user` may administer it; the same 404 for "not yours" and "missing"."""
    from django.http import Http404

    from apps.accounts.permissions import Capability, has_capability

    domain = Domain.objects.select_related("tenant").filter(pk=pk, tenant_id=tenant.pk).first()
    if domain is None or not has_capability(user=user, capability=Capability.ADMINISTER, tenant=tenant):
        raise Http404("No such domain.")
    return domain


def tenant_primary_domain(*, tenant: Client) -> str:
    """The host used in links and e-mails: the verified primary domain (any verified one as a fallback)."""
    domain = (
        Domain.objects.filter(tenant_id=tenant.pk, is_verified=True)
        .order_by("-is_primary", "created_at")
        .values_list("domain", flat=True)
        .first()
    )
    return domain or ""


def tenant_url(*, tenant: Client, path: str = "/") -> str:
    """Absolute URL on the tenant's primary domain, e.g. for the welcome e-mail's login link."""
    from django.conf import settings

    port = getattr(settings, "TENANT_URL_PORT", "")
    scheme = getattr(settings, "TENANT_URL_SCHEME", "https")
    return f"{scheme}://{tenant_primary_domain(tenant=tenant)}{':' + str(port) if port else ''}{path}"


def signup_subdomain_problem(*, subdomain: str) -> str | None:
    """Why `subdomain` cannot be signed up for (invalid, reserved, taken), or None if it is free."""
    from django.conf import settings

    from backend.exceptions import ApplicationError

    from .validators import subdomain_schema_name, validate_signup_subdomain

    try:
        label = validate_signup_subdomain(subdomain)
    except ApplicationError as exc:
        return exc.message
    schema = subdomain_schema_name(label)
    host = f"{label}.{settings.BASE_DOMAIN}"
    if tenant_exists(schema_name=schema) or schema_exists(schema_name=schema) or domain_taken(domain=host):
        return f"{host} is already taken."
    return None


# --- Onboarding checklist ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OnboardingStep:
    key: str
    label: str
    done: bool
    url: str


@dataclass(frozen=True)
class OnboardingStatus:
    steps: list[OnboardingStep]
    dismissed: bool

    @property
    def done_count(self) -> int:
        return sum(step.done for step in self.steps)

    @property
    def complete(self) -> bool:
        return all(step.done for step in self.steps)

    @property
    def visible(self) -> bool:
        """Shown until every step is done or the owner dismissed it."""
        return not self.complete and not self.dismissed


def onboarding_status(tenant: Client) -> OnboardingStatus:
    """A new owner's checklist, derived from real data (three reads whatever the sizes):
    a colleague invited or added, a logo, own colours, a verified custom domain (only when the plan
    includes custom domains), and a first supplier (partners' selector, in the tenant's schema)."""
    from django.db.models import Exists, OuterRef
    from django_tenants.utils import schema_context

    from apps.accounts.models import Invitation, Membership
    from apps.partners.selectors import supplier_queryset

    from .plans import feature_enabled
    from .validators import is_platform_subdomain

    current = (
        Client.objects.filter(pk=tenant.pk)
        .annotate(
            has_invitation=Exists(Invitation.objects.filter(tenant_id=OuterRef("pk"), revoked_at__isnull=True)),
            has_colleague=Exists(
                Membership.objects.filter(tenant_id=OuterRef("pk"), is_active=True).exclude(role="owner")
            ),
        )
        .get()
    )
    custom_domains = [
        domain
        for domain in Domain.objects.filter(tenant_id=current.pk, is_verified=True).values_list("domain", flat=True)
        if not is_platform_subdomain(domain)
    ]
    with schema_context(current.schema_name):
        has_supplier = supplier_queryset().exists()
    defaults = {field: Client._meta.get_field(field).default for field in ("primary_color", "secondary_color")}
    own_colours = any(getattr(current, field).lower() != default.lower() for field, default in defaults.items())
    steps = [
        OnboardingStep(
            "invite", "Invite a colleague", current.has_invitation or current.has_colleague, "/members/invite/"
        ),
        OnboardingStep("logo", "Upload your logo", bool(current.logo), "/settings/branding/"),
        OnboardingStep("colours", "Set your colours", own_colours, "/settings/branding/"),
    ]
    if feature_enabled(current, "custom_domains"):
        steps.append(OnboardingStep("domain", "Add a custom domain", bool(custom_domains), "/settings/domains/"))
    steps.append(OnboardingStep("supplier", "Add your first supplier", has_supplier, "/suppliers/new/"))
    return OnboardingStatus(steps=steps, dismissed=current.onboarding_dismissed_at is not None)
