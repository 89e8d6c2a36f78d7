"""Sign-in pages on tenant hosts: login, MFA challenge, logout, MFA enrolment, the tenant's security page.

The password step never logs a user with a confirmed device in: it parks their id in the session
(`signin.pending`, five minutes) and only the MFA challenge calls `login()` + django-otp's `login()`.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from apps.tenants.services import tenant_security_update
from backend.exceptions import ApplicationError

from .forms_signin import CodeForm, EnrolConfirmForm, MfaDisableForm, SecuritySettingsForm, SignInForm
from .mfa import (
    mfa_backup_codes_left,
    mfa_disable,
    mfa_enable,
    mfa_enrolled,
    mfa_enrolment_device,
    mfa_enrolment_start,
    mfa_verify,
    totp_qr_svg,
    totp_secret_text,
)
from .permissions import Capability, capability_required
from .signin import (
    signin_allowed_check,
    signin_landing,
    signin_record_failure,
    signin_record_logout,
    signin_record_success,
    welcome_user,
)

PENDING_KEY = "signin.pending"
PENDING_SECONDS = 5 * 60
MAX_CODE_ATTEMPTS = 5
BACKUP_CODES_KEY = "mfa.new_backup_codes"


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(candidate, {request.get_host()}, request.is_secure()):
        return candidate
    return settings.LOGIN_REDIRECT_URL


MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def start_session(request: HttpRequest, user, *, remember: bool, backend: str = MODEL_BACKEND) -> None:
    login(request, user, backend=backend)
    # Superusers never get the 30-day cookie (OP-27); everyone else only when they ask for it.
    if remember and not user.is_superuser:
        request.session.set_expiry(settings.SESSION_REMEMBER_ME_AGE)
    else:
        request.session.set_expiry(0)


class SignInView(LoginView):
    form_class = SignInForm
    authentication_form = SignInForm
    template_name = "accounts/signin/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        remember = form.cleaned_data["remember"]
        next_url = signin_landing(tenant=self.request.tenant, default=self.get_success_url())
        if mfa_enrolled(user=user):
            self.request.session.cycle_key()
            self.request.session[PENDING_KEY] = {
                "user_id": user.pk,
                "backend": user.backend,
                "remember": remember,
                "next": next_url,
                "started": time.time(),
                "attempts": 0,
            }
            return redirect("signin-verify")
        start_session(self.request, user, remember=remember, backend=user.backend)
        signin_record_success(user=user, method="password")
        return redirect(next_url)


def _pending(request: HttpRequest) -> dict | None:
    pending = request.session.get(PENDING_KEY)
    if pending and time.time() - pending["started"] <= PENDING_SECONDS:
        return pending
    request.session.pop(PENDING_KEY, None)
    return None


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Second step: a TOTP or backup code. Serves both the parked password step and a logged-in
    session that is not verified yet (e.g. one opened by accepting an invitation)."""
    pending = _pending(request)
    if pending is not None:
        user = get_user_model().objects.filter(pk=pending["user_id"], is_active=True).first()
    elif request.user.is_authenticated and not request.user.is_verified() and mfa_enrolled(user=request.user):
        user = request.user
    else:
        messages.info(request, "Your sign-in expired. Please sign in again.")
        return redirect(settings.LOGIN_URL)
    try:
        if user is None:
            raise ApplicationError("Your account is no longer active.")
        signin_allowed_check(user=user, tenant=request.tenant)  # may have changed since the password step
    except ApplicationError as exc:
        request.session.pop(PENDING_KEY, None)
        messages.error(request, exc.message)
        return redirect(settings.LOGIN_URL)

    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = mfa_verify(user=user, code=form.cleaned_data["code"])
        except ApplicationError as exc:
            device = None
            form.add_error("code", exc.message)
        else:
            if device is None:
                form.add_error("code", "That code is not valid.")
        if device is None:
            signin_record_failure(email=user.email, reason="bad_otp", tenant=request.tenant)
            if pending is not None:
                pending["attempts"] += 1
                request.session[PENDING_KEY] = pending
                if pending["attempts"] >= MAX_CODE_ATTEMPTS:
                    request.session.pop(PENDING_KEY, None)
                    messages.error(request, "Too many wrong codes. Please sign in again.")
                    return redirect(settings.LOGIN_URL)
        else:
            next_url = settings.LOGIN_REDIRECT_URL
            if pending is not None:
                request.session.pop(PENDING_KEY, None)
                start_session(request, user, remember=pending["remember"], backend=pending["backend"])
                next_url = _safe_next(request, pending["next"])
            otp_login(request, device)
            signin_record_success(user=user, method="password+otp")
            return redirect(next_url)
    return render(request, "accounts/signin/verify.html", {"form": form, "pending_user": user})


@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    """POST only (CSRF-protected); flush() deletes the server-side session row (IAM-16)."""
    if request.user.is_authenticated:
        signin_record_logout(user=request.user)
    logout(request)
    messages.success(request, "You are signed out.")
    return redirect(settings.LOGIN_URL)


# --- My account: two-factor ----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def mfa_status(request: HttpRequest) -> HttpResponse:
    """Two-factor on/off for the signed-in user; POST starts enrolment."""
    if request.method == "POST":
        try:
            mfa_enrolment_start(user=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("mfa-status")
        return redirect("mfa-enrol")
    return _render_mfa_status(request, MfaDisableForm())


def _render_mfa_status(request: HttpRequest, disable_form: MfaDisableForm, status: int = 200) -> HttpResponse:
    enrolled = mfa_enrolled(user=request.user)
    context = {
        "enrolled": enrolled,
        "backup_codes_left": mfa_backup_codes_left(user=request.user) if enrolled else 0,
        "disable_form": disable_form,
        "required": request.tenant.require_mfa,
    }
    return render(request, "accounts/signin/mfa_status.html", context, status=status)


@login_required
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def mfa_enrol(request: HttpRequest) -> HttpResponse:
    device = mfa_enrolment_device(user=request.user)
    if device is None or mfa_enrolled(user=request.user):
        return redirect("mfa-status")
    form = EnrolConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = mfa_enable(user=request.user, device=device, code=form.cleaned_data["code"])
        except ApplicationError as exc:
            form.add_error("code", exc.message)
        else:
            device.refresh_from_db()
            otp_login(request, device)
            request.session[BACKUP_CODES_KEY] = codes
            return redirect("mfa-backup-codes")
    context = {"form": form, "qr_svg": totp_qr_svg(device), "secret": totp_secret_text(device)}
    return render(request, "accounts/signin/mfa_enrol.html", context)


@never_cache
@login_required
def mfa_backup_codes(request: HttpRequest) -> HttpResponse:
    """The new backup codes, shown exactly once (they are popped from the session)."""
    codes = request.session.pop(BACKUP_CODES_KEY, None)
    if not codes:
        return redirect("mfa-status")
    return render(request, "accounts/signin/mfa_backup_codes.html", {"codes": codes})


@login_required
@sensitive_post_parameters("code", "password")
@require_POST
def mfa_disable_view(request: HttpRequest) -> HttpResponse:
    form = MfaDisableForm(request.POST)
    if form.is_valid():
        try:
            mfa_disable(
                user=request.user,
                code=form.cleaned_data["code"],
                password=form.cleaned_data["password"],
                request=request,
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            request.session.pop("otp_device_id", None)
            update_session_auth_hash(request, request.user)  # this session stays; the others end
            messages.success(request, "Two-factor authentication is off.")
            return redirect("mfa-status")
    return _render_mfa_status(request, form, status=400)


# --- Tenant settings: security -------------------------------------------------------------


@login_required
@capability_required(Capability.ADMINISTER)
@require_http_methods(["GET", "POST"])
def security_settings(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant
    form = SecuritySettingsForm(request.POST or None, initial={"require_mfa": tenant.require_mfa})
    if request.method == "POST" and form.is_valid():
        try:
            tenant_security_update(tenant=tenant, user=request.user, require_mfa=form.cleaned_data["require_mfa"])
        except ApplicationError as exc:
            form.add_error("require_mfa", exc.message)
        else:
            messages.success(request, "Security settings saved.")
            return redirect(reverse("security-settings"))
    status = 400 if form.errors else 200
    return render(request, "accounts/signin/security_settings.html", {"form": form}, status=status)


@never_cache
def welcome(request: HttpRequest, token: str) -> HttpResponse:
    """The one-time link from the signup confirmation: sign the new owner in on their workspace's host."""
    user = welcome_user(token=token, schema_name=request.tenant.schema_name)
    try:
        if user is None:
            raise ApplicationError("This sign-in link has expired or has already been used.", code="invalid")
        signin_allowed_check(user=user, tenant=request.tenant)
    except ApplicationError as exc:
        context = {"message": f"{exc.message} Sign in with your e-mail address and password."}
        return render(request, "accounts/signin/link_unusable.html", context, status=400)
    if mfa_enrolled(user=user):
        return redirect(settings.LOGIN_URL)
    start_session(request, user, remember=False)
    signin_record_success(user=user, method="welcome_link")
    messages.success(request, f"Welcome to {request.tenant.name}.")
    return redirect(settings.LOGIN_REDIRECT_URL)
