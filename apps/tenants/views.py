"""Tenant home page, the public landing page and the tenant's settings pages."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.accounts.permissions import Capability, capability_required
from backend.dns import verification_name
from backend.exceptions import ApplicationError

from .forms import DomainAddForm
from .selectors import get_domain_for_user, tenant_domain_list
from .services import domain_add, domain_remove, domain_set_primary, domain_verify


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "tenants/home.html")


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "tenants/landing.html")


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
