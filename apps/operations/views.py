"""The fleet page (/admin/operations/fleet/) for platform superusers; wrapped by the admin site's own
permission check (superuser with a verified one-time password) in projectmeats/urls_public.py."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_POST

from .forms import FleetFilterForm
from .selectors import fleet_overview
from .services import fleet_check_run


def fleet(request: HttpRequest) -> HttpResponse:
    form = FleetFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    overview = fleet_overview(
        page=request.GET.get("page", 1),
        status=filters.get("status", ""),
        plan=filters.get("plan", ""),
        search=filters.get("q", ""),
        behind_only=filters.get("behind", False),
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        **admin.site.each_context(request),
        "title": "Fleet",
        "form": form,
        "overview": overview,
        "query": query.urlencode(),
    }
    status = 200 if form.is_valid() or not request.GET else 400
    return TemplateResponse(request, "operations/fleet.html", context, status=status)


@require_POST
def fleet_check(request: HttpRequest) -> HttpResponse:
    check = fleet_check_run()
    behind = len(check.schemas_behind)
    level = messages.WARNING if behind else messages.SUCCESS
    messages.add_message(
        request, level, f"Checked {check.tenants} tenant schemas in {check.duration_ms:.0f} ms: {behind} behind."
    )
    return redirect("operations_fleet")
