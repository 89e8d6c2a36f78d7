"""Support session pages: the superuser's start page (platform admin), the entry link, the banner's
end/elevate buttons (tenant host), and the tenant's own support settings (owners grant access, see and
end sessions)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from apps.tenants.models import Client
from backend.exceptions import ApplicationError
from backend.request_context import mark_support

from .links import tenant_url
from .permissions import Capability, capability_required, has_capability
from .support import (
    ACCESS_CHOICES_HOURS,
    SUPPORT_SESSION_KEY,
    support_access_open,
    support_access_set,
    support_entry_token,
    support_label,
    support_session_elevate,
    support_session_end,
    support_session_enter,
    support_session_list,
    support_session_revoke,
    support_session_start,
)


class SupportStartForm(forms.Form):
    tenant = forms.ModelChoiceField(
        queryset=Client.objects.exclude(schema_name="public").order_by("name"), to_field_name="schema_name"
    )
    user_email = forms.EmailField(label="View as (member's e-mail)")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


def _admin_url() -> str:
    port = f":{settings.LINK_PORT}" if settings.LINK_PORT else ""
    return f"{settings.LINK_SCHEME}://{settings.BASE_DOMAIN}{port}/admin/"


# --- Public host: the platform admin (wrapped in admin.site.admin_view: superuser + one-time password) ---


@never_cache
@require_http_methods(["GET", "POST"])
def support_start(request: HttpRequest) -> HttpResponse:
    form = SupportStartForm(request.POST or None, initial={"tenant": request.GET.get("tenant")})
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            session = support_session_start(
                superuser=request.user,
                tenant=form.cleaned_data["tenant"],
                user_email=form.cleaned_data["user_email"],
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as exc:
            if exc.field in form.fields:
                form.add_error(exc.field, exc.message)
            else:
                error = exc.message
        else:
            # A link, not a redirect: the admin's CSP (form-action 'self') rightly stops a form posting onward
            # to another host, and the tenant's host gets a page of its own to enter from.
            entry_url = tenant_url(
                tenant=session.tenant, path=f"/support/enter/{support_entry_token(session=session)}/"
            )
            return render(request, "accounts/support/started.html", {"session": session, "entry_url": entry_url})
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/support/start.html", {"form": form, "error": error}, status=status)


# --- Tenant host -------------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def support_enter(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what the link opens (nothing happens); POST enters: this host's browser session becomes
    the support session (signed in as the member, bound to this tenant, ending with the support session)."""
    if request.method == "GET":
        return render(request, "accounts/support/enter.html", {"token": token})
    try:
        session = support_session_enter(token=token, tenant=request.tenant)
    except ApplicationError:
        raise Http404 from None  # another tenant's, used, expired or forged: as if it did not exist
    mark_support(support_label(session))
    request.session.flush()
    login(request, session.user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[SUPPORT_SESSION_KEY] = session.pk
    return redirect("/")


@require_POST
def support_end(request: HttpRequest) -> HttpResponse:
    session = getattr(request, "support_session", None)
    if session is None:
        raise Http404
    support_session_end(session=session, actor=session.superuser)
    request.session.flush()
    return render(
        request, "accounts/support/refused.html", {"message": "Support session ended.", "admin_url": _admin_url()}
    )


@require_POST
def support_elevate(request: HttpRequest) -> HttpResponse:
    session = getattr(request, "support_session", None)
    if session is None:
        raise Http404
    try:
        support_session_elevate(session=session, reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Changes are allowed for the rest of this support session.")
    return redirect("/")


def _hours_label(hours: int) -> str:
    if hours < 24:
        return f"{hours} hour" + ("s" if hours != 1 else "")
    days = hours // 24
    return f"{days} day" + ("s" if days != 1 else "")


@capability_required(Capability.ADMINISTER)
@require_http_methods(["GET", "POST"])
def support_settings(request: HttpRequest) -> HttpResponse:
    """Admins see every support session (who, as whom, when, why); owners grant, withdraw and end."""
    tenant = request.tenant
    if request.method == "POST":
        hours = request.POST.get("hours", "")
        try:
            support_access_set(tenant=tenant, actor=request.user, hours=int(hours) if hours.isdigit() else None)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("support_settings")
    context = {
        "sessions": support_session_list(tenant=tenant),
        "access_open": support_access_open(tenant=tenant),
        "choices": [(hours, _hours_label(hours)) for hours in ACCESS_CHOICES_HOURS],
        "is_owner": has_capability(user=request.user, capability=Capability.OWN, tenant=tenant),
    }
    return render(request, "accounts/support/settings.html", context)


@capability_required(Capability.OWN)
@require_POST
def support_session_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        support_session_revoke(tenant=request.tenant, session_id=pk, actor=request.user)
    except ApplicationError as exc:
        if exc.code == "not_found":
            raise Http404 from None
        raise
    messages.success(request, "Support session ended.")
    return redirect("support_settings")
