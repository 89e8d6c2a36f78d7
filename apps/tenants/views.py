"""Tenant home page, the public landing page and the tenant's settings pages."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.permissions import Capability, capability_required, has_capability
from apps.accounts.signin import welcome_token
from backend import ratelimit
from backend.client_ip import client_ip
from backend.colors import branding_warnings
from backend.dns import verification_name
from backend.exceptions import ApplicationError
from backend.images import CONTENT_TYPES

from .branding import tenant_branding_update
from .domains import domain_add, domain_remove, domain_set_primary, domain_verify
from .forms import BrandingForm, DomainAddForm, OffboardingForm, SignupForm, SignupPasswordForm, signup_started_token
from .models import Client
from .offboarding import offboarding_purge_after, tenant_offboarding_request
from .selectors import get_domain_for_user, signup_subdomain_problem, tenant_domain_list, tenant_url
from .signup import signup_account_exists, signup_claims, signup_confirm, signup_request


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "tenants/landing.html", {"signup_enabled": settings.SIGNUP_ENABLED})


def _domains_page(request: HttpRequest, *, form=None, error: ApplicationError | None = None, status: int = 200):
    domains = tenant_domain_list(tenant=request.tenant)
    for domain in domains:
        domain.txt_name = verification_name(domain.domain)
    context = {"domains": domains, "form": form or DomainAddForm(), "error": error}
    return render(request, "tenants/domains.html", context, status=status)


@capability_required(Capability.ADMINISTER)
def domain_list(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _domains_page(request)
    form = DomainAddForm(request.POST)
    if not form.is_valid():
        return _domains_page(request, form=form, status=400)
    try:
        domain = domain_add(tenant=request.tenant, domain=form.cleaned_data["domain"], actor=request.user)
    except ApplicationError as exc:
        form.add_error("domain", exc.message)
        return _domains_page(request, form=form, status=400)
    messages.success(request, f"Added {domain.domain}. Create the TXT record shown below, then verify.")
    return redirect("tenants:domain_list")


@require_POST
@capability_required(Capability.ADMINISTER)
def domain_verify_view(request: HttpRequest, pk: int) -> HttpResponse:
    domain = get_domain_for_user(user=request.user, tenant=request.tenant, pk=pk)
    try:
        domain_verify(domain=domain, actor=request.user)
    except ApplicationError as exc:
        return _domains_page(request, error=exc, status=400)
    messages.success(request, f"{domain.domain} is verified and now serves your workspace.")
    return redirect("tenants:domain_list")


@require_POST
@capability_required(Capability.ADMINISTER)
def domain_primary_view(request: HttpRequest, pk: int) -> HttpResponse:
    domain = get_domain_for_user(user=request.user, tenant=request.tenant, pk=pk)
    try:
        domain_set_primary(domain=domain, actor=request.user)
    except ApplicationError as exc:
        return _domains_page(request, error=exc, status=400)
    messages.success(request, f"{domain.domain} is now the primary domain for links and e-mails.")
    return redirect("tenants:domain_list")


@capability_required(Capability.ADMINISTER)
def domain_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    domain = get_domain_for_user(user=request.user, tenant=request.tenant, pk=pk)
    if request.method != "POST":
        return render(request, "tenants/domain_remove.html", {"domain": domain})
    try:
        domain_remove(domain=domain, actor=request.user)
    except ApplicationError as exc:
        return _domains_page(request, error=exc, status=400)
    messages.success(request, f"Removed {domain.domain}.")
    return redirect("tenants:domain_list")


# --- Self-service signup (public host) --------------------------------------------------------------


def _signup_enabled() -> None:
    if not settings.SIGNUP_ENABLED:
        raise Http404("Signup is disabled.")


def _signup_page(request: HttpRequest, form: SignupForm, *, status: int = 200, **extra) -> HttpResponse:
    context = {"form": form, "base_domain": settings.BASE_DOMAIN, **extra}
    return render(request, "tenants/signup.html", context, status=status)


# Outside the request transaction: provisioning refreshes the tenant template first, which pg_dump
# (its own connection) must see committed (backend.request_transaction).
@transaction.non_atomic_requests
def signup(request: HttpRequest) -> HttpResponse:
    """Step 1: check the form and e-mail a confirmation link. The answer is the same whether or not the
    address already has an account."""
    _signup_enabled()
    if request.method != "POST":
        return _signup_page(request, SignupForm(initial={"started": signup_started_token()}))
    limit = ratelimit.hit(
        "signup",
        client_ip(request) or "unknown",
        limit=settings.SIGNUP_RATE_LIMIT,
        window=settings.SIGNUP_RATE_WINDOW_SECONDS,
    )
    if not limit.allowed:
        form = SignupForm(initial={"started": signup_started_token()})
        minutes = max(1, limit.retry_after // 60)
        response = _signup_page(
            request, form, status=429, throttled=f"Too many sign-ups from your network; try again in {minutes} minutes."
        )
        response["Retry-After"] = str(limit.retry_after)
        return response
    form = SignupForm(request.POST)
    if not form.is_valid():
        if any(e.code in ("bad_token", "expired", "too_fast") for e in form.errors.as_data().get("__all__", [])):
            form.data = {**form.data.dict(), "started": signup_started_token()}
        return _signup_page(request, form, status=400)
    data = form.cleaned_data
    try:
        claims = signup_request(company_name=data["company_name"], subdomain=data["subdomain"], email=data["email"])
    except ApplicationError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return _signup_page(request, form, status=400)
    return render(request, "tenants/signup_sent.html", {"claims": claims, "base_domain": settings.BASE_DOMAIN})


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def signup_confirm_view(request: HttpRequest, token: str) -> HttpResponse:
    """Step 2, from the e-mailed link. GET only shows the page (mail scanners follow links); POST creates
    the workspace. A new address chooses its password here; an existing account types none."""
    _signup_enabled()
    try:
        claims = signup_claims(token=token)
    except ApplicationError as exc:
        return render(request, "tenants/signup_link_unusable.html", {"message": exc.message}, status=400)
    existing = signup_account_exists(claims=claims)
    form = None if existing else SignupPasswordForm(request.POST or None)
    context = {"claims": claims, "existing": existing, "form": form, "base_domain": settings.BASE_DOMAIN}
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            tenant, owner, new_account = signup_confirm(
                token=token, password=form.cleaned_data["password"] if form is not None else None
            )
        except ApplicationError as exc:
            if form is not None and exc.field in form.fields:
                form.add_error(exc.field, exc.message)
            else:
                context["error"] = exc.message
            return render(request, "tenants/signup_confirm.html", context, status=400)
        done = {"new_tenant": tenant, "login_url": tenant_url(tenant=tenant, path="/login/")}
        if new_account:
            # The new owner just chose their password here: sign them straight in on their workspace.
            token = welcome_token(user=owner, schema_name=tenant.schema_name)
            done["welcome_url"] = tenant_url(tenant=tenant, path=f"/login/welcome/{token}/")
        return render(request, "tenants/signup_done.html", done)
    return render(request, "tenants/signup_confirm.html", context, status=400 if form and form.errors else 200)


def signup_check(request: HttpRequest) -> HttpResponse:
    """HTMX fragment: is this subdomain free? Always 200 so HTMX swaps the message in."""
    _signup_enabled()
    limit = ratelimit.hit("signup-check", client_ip(request) or "unknown", limit=120, window=60)
    subdomain = (request.GET.get("subdomain") or "").strip().lower()
    if not limit.allowed:
        problem = "Too many checks; please wait a minute."
    elif not subdomain:
        problem = ""
    else:
        problem = signup_subdomain_problem(subdomain=subdomain)
    context = {"subdomain": subdomain, "problem": problem, "host": f"{subdomain}.{settings.BASE_DOMAIN}"}
    return render(request, "tenants/partials/subdomain_check.html", context)


# --- Offboarding (tenant host; kept open for offboarding tenants by OFFBOARDING_OPEN_PATHS) ------------


def _offboarding_page(request: HttpRequest, form: OffboardingForm | None = None, *, status: int = 200):
    tenant = Client.objects.get(pk=request.tenant.pk)  # fresh: the export job may have finished meanwhile
    context = {
        "current": tenant,
        "form": form or OffboardingForm(),
        "purge_after": offboarding_purge_after(tenant),
        "grace_days": settings.OFFBOARDING_GRACE_DAYS,
    }
    return render(request, "tenants/offboarding.html", context, status=status)


@capability_required(Capability.OWN)
def offboarding(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _offboarding_page(request)
    form = OffboardingForm(request.POST)
    if not form.is_valid():
        return _offboarding_page(request, form, status=400)
    try:
        tenant_offboarding_request(tenant=request.tenant, actor=request.user, confirm=form.cleaned_data["confirm"])
    except ApplicationError as exc:
        form.add_error("confirm" if exc.field == "confirm" else None, exc.message)
        return _offboarding_page(request, form, status=400)
    return redirect("tenants:offboarding")


@capability_required(Capability.OWN)
def offboarding_export(request: HttpRequest) -> HttpResponse:
    tenant = Client.objects.get(pk=request.tenant.pk)
    # Exports live under the tenant's own prefix; never serve a name from elsewhere.
    if not tenant.export_file or not tenant.export_file.startswith(f"{tenant.schema_name}/exports/"):
        raise Http404("No export is ready.")
    try:
        handle = default_storage.open(tenant.export_file, "rb")
    except FileNotFoundError:
        raise Http404("No export is ready.") from None
    return FileResponse(handle, as_attachment=True, filename=tenant.export_file.rsplit("/", 1)[-1])


# --- Settings index and onboarding checklist -------------------------------------------------------------


@capability_required(Capability.ADMINISTER)
def settings_index(request: HttpRequest) -> HttpResponse:
    from .selectors import onboarding_status

    is_owner = has_capability(user=request.user, capability=Capability.OWN, tenant=request.tenant)
    context = {"is_owner": is_owner, "onboarding": onboarding_status(request.tenant) if is_owner else None}
    return render(request, "tenants/settings_index.html", context)


@require_POST
@capability_required(Capability.OWN)
def onboarding_dismiss_view(request: HttpRequest) -> HttpResponse:
    from django.utils.http import url_has_allowed_host_and_scheme

    from .services import onboarding_dismiss

    onboarding_dismiss(tenant=request.tenant, actor=request.user)
    messages.success(request, "The getting-started checklist is hidden.")
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        target = "/settings/"
    return redirect(target)


# --- Plan: quotas and features (owner) -----------------------------------------------------------------


@capability_required(Capability.OWN)
def plan(request: HttpRequest) -> HttpResponse:
    from apps.operations.selectors import tenant_usage_recent

    from .plans import FEATURES, LIMITS, plan_label, plan_usage, tenant_features, tenant_limits

    tenant = Client.objects.get(pk=request.tenant.pk)
    limits = tenant_limits(tenant)
    features = tenant_features(tenant)
    context = {
        "current": tenant,
        "plan_label": plan_label(tenant),
        "usage": plan_usage(tenant),
        "api_rate": limits.api_requests_per_minute,
        "api_rate_label": LIMITS["api_requests_per_minute"],
        "features": [(label, features[name]) for name, label in FEATURES.items()],
        # Daily usage (apps.operations): requests, API calls, storage, members; the last 30 days.
        "daily_usage": tenant_usage_recent(tenant),
    }
    return render(request, "tenants/plan.html", context)


# --- Branding -------------------------------------------------------------------------------------------


def _onboarding_for(request: HttpRequest):
    from .selectors import onboarding_status

    if not has_capability(user=request.user, capability=Capability.OWN, tenant=request.tenant):
        return None
    return onboarding_status(request.tenant)


@capability_required(Capability.ADMINISTER)
def branding(request: HttpRequest) -> HttpResponse:
    tenant = Client.objects.get(pk=request.tenant.pk)
    initial = {"primary_color": tenant.primary_color, "secondary_color": tenant.secondary_color}
    warnings = _contrast_warnings(tenant.primary_color, tenant.secondary_color)
    if request.method != "POST":
        context = {
            "form": BrandingForm(initial=initial),
            "current": tenant,
            "onboarding": _onboarding_for(request),
            "contrast_warnings": warnings,
        }
        return render(request, "tenants/branding.html", context)
    form = BrandingForm(request.POST, request.FILES, initial=initial)
    if form.is_valid():
        data = form.cleaned_data
        try:
            tenant_branding_update(
                tenant=tenant,
                actor=request.user,
                primary_color=data["primary_color"],
                secondary_color=data["secondary_color"],
                logo=data["logo"],
                favicon=data["favicon"],
                remove_logo=data["remove_logo"],
                remove_favicon=data["remove_favicon"],
            )
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Branding saved.")
            return redirect("tenants:branding")
    context = {"form": form, "current": tenant, "contrast_warnings": warnings}
    return render(request, "tenants/branding.html", context, status=400)


def _contrast_warnings(primary: str, secondary: str) -> list[str]:
    try:
        return branding_warnings(primary=primary, secondary=secondary)
    except ValueError:  # a stored colour that is not #rrggbb (the model validates new ones)
        return []


def branding_file(request: HttpRequest, kind: str) -> HttpResponse:
    """The active tenant's logo or favicon (public: the sign-in page shows them too)."""
    name = getattr(request.tenant, kind, "") if kind in ("logo", "favicon") else ""
    # Only ever files under the active tenant's own prefix (TEN-10).
    if not name or not name.startswith(f"{request.tenant.schema_name}/branding/"):
        raise Http404("No such file.")
    try:
        handle = default_storage.open(name, "rb")
    except FileNotFoundError:
        raise Http404("No such file.") from None
    response = FileResponse(handle, content_type=CONTENT_TYPES.get(name.rsplit(".", 1)[-1], "application/octet-stream"))
    response["Cache-Control"] = "public, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response
