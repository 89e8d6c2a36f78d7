"""Pages for members, invitations and passwords on tenant hosts. Thin: parse, call a service, render."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_http_methods, require_POST

from backend.exceptions import ApplicationError

from . import selectors, services
from .forms import (
    AcceptExistingAccountForm,
    AcceptNewAccountForm,
    InvitationForm,
    RoleForm,
    TenantPasswordChangeForm,
    TenantPasswordResetForm,
    TenantSetPasswordForm,
    add_service_error,
)
from .links import tenant_host
from .mfa import mfa_enrolled
from .models import Membership, User
from .onboarding import owner_onboarding_tokens
from .permissions import Capability, capability_required, has_capability
from .signin import signin_record_success
from .views_signin import start_session

MEMBERS_PER_PAGE = 50


def _refused(error: ApplicationError) -> None:
    if error.code == "permission_denied":
        raise PermissionDenied(error.message)


def _can_grant_owner(request: HttpRequest) -> bool:
    return has_capability(user=request.user, capability=Capability.OWN)


# --- Members ------------------------------------------------------------------------------


@capability_required(Capability.ADMINISTER)
def member_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.member_list(tenant=request.tenant), MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    invitations = selectors.pending_invitation_list(tenant=request.tenant)
    return render(request, "accounts/member_list.html", {"page": page, "invitations": invitations})


@capability_required(Capability.ADMINISTER)
@require_http_methods(["GET", "POST"])
def member_invite(request: HttpRequest) -> HttpResponse:
    form = InvitationForm(request.POST if request.method == "POST" else None, can_grant_owner=_can_grant_owner(request))
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(tenant=request.tenant, invited_by=request.user, **form.cleaned_data)
        except ApplicationError as error:
            _refused(error)
            add_service_error(form, error)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("accounts:member_list")
    status = 400 if form.is_bound else 200
    context = {"form": form, "invitation_ttl_days": settings.INVITATION_TTL_DAYS}
    return render(request, "accounts/member_invite.html", context, status=status)


def _member_page(request: HttpRequest, membership: Membership, form: RoleForm, status: int = 200) -> HttpResponse:
    return render(request, "accounts/member_detail.html", {"member": membership, "form": form}, status=status)


@capability_required(Capability.ADMINISTER)
def member_detail(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = selectors.get_membership_for_user(
        user=request.user, membership_id=membership_id, tenant=request.tenant
    )
    form = RoleForm(
        initial={"role": membership.role}, can_grant_owner=_can_grant_owner(request), current_role=membership.role
    )
    return _member_page(request, membership, form)


@capability_required(Capability.ADMINISTER)
@require_POST
def member_change_role(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = selectors.get_membership_for_user(
        user=request.user, membership_id=membership_id, tenant=request.tenant
    )
    form = RoleForm(request.POST, can_grant_owner=_can_grant_owner(request), current_role=membership.role)
    if form.is_valid():
        try:
            services.membership_change_role(membership=membership, role=form.cleaned_data["role"], actor=request.user)
        except ApplicationError as error:
            _refused(error)
            add_service_error(form, error)
        else:
            messages.success(request, f"{membership.user.email} is now {membership.get_role_display()}.")
            return redirect("accounts:member_list")
    return _member_page(request, membership, form, status=400)


def _confirm(request: HttpRequest, *, title: str, question: str, button: str, cancel: str) -> HttpResponse:
    context = {"title": title, "question": question, "button": button, "cancel": cancel}
    return render(request, "accounts/confirm.html", context)


def _member_status_change(request: HttpRequest, membership_id: int, *, deactivate: bool) -> HttpResponse:
    membership = selectors.get_membership_for_user(
        user=request.user, membership_id=membership_id, tenant=request.tenant
    )
    verb = "Deactivate" if deactivate else "Reactivate"
    if request.method == "POST":
        service = services.membership_deactivate if deactivate else services.membership_reactivate
        try:
            service(membership=membership, actor=request.user)
        except ApplicationError as error:
            _refused(error)
            messages.error(request, error.message)
            return redirect("accounts:member_detail", membership_id=membership.pk)
        messages.success(request, f"{membership.user.email} was {verb.lower()}d.")
        return redirect("accounts:member_list")
    return _confirm(
        request,
        title=f"{verb} {membership.user.email}",
        question=(
            f"{membership.user.email} will lose access to {request.tenant.name} immediately."
            if deactivate
            else f"{membership.user.email} will regain access as {membership.get_role_display()}."
        ),
        button=verb,
        cancel=reverse("accounts:member_detail", args=[membership.pk]),
    )


@capability_required(Capability.ADMINISTER)
@require_http_methods(["GET", "POST"])
def member_deactivate(request: HttpRequest, membership_id: int) -> HttpResponse:
    return _member_status_change(request, membership_id, deactivate=True)


@capability_required(Capability.ADMINISTER)
@require_http_methods(["GET", "POST"])
def member_reactivate(request: HttpRequest, membership_id: int) -> HttpResponse:
    return _member_status_change(request, membership_id, deactivate=False)


@capability_required(Capability.ADMINISTER)
@require_POST
def member_sign_out(request: HttpRequest, membership_id: int) -> HttpResponse:
    """End the member's sessions and API tokens on this tenant."""
    membership = selectors.get_membership_for_user(
        user=request.user, membership_id=membership_id, tenant=request.tenant
    )
    try:
        services.membership_sign_out(membership=membership, actor=request.user)
    except ApplicationError as error:
        _refused(error)
        messages.error(request, error.message)
    else:
        messages.success(request, f"{membership.user.email} is signed out of {request.tenant.name} everywhere.")
    if membership.user_id == request.user.pk:
        return redirect(settings.LOGIN_URL)
    return redirect("accounts:member_detail", membership_id=membership.pk)


@capability_required(Capability.ADMINISTER)
@require_http_methods(["GET", "POST"])
def invitation_revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = selectors.get_invitation_for_user(
        user=request.user, invitation_id=invitation_id, tenant=request.tenant
    )
    if request.method == "POST":
        try:
            services.invitation_revoke(invitation=invitation, actor=request.user)
        except ApplicationError as error:
            _refused(error)
            messages.error(request, error.message)
        else:
            messages.success(request, f"The invitation to {invitation.email} was revoked.")
        return redirect("accounts:member_list")
    return _confirm(
        request,
        title=f"Revoke the invitation to {invitation.email}",
        question="The link in the e-mail will stop working.",
        button="Revoke",
        cancel=reverse("accounts:member_list"),
    )


# --- Accepting an invitation (open to anonymous visitors) -----------------------------------


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = selectors.invitation_for_token(token=token)
    except selectors.InvitationUnusable as error:
        status = 404 if error.code == "not_found" else 410
        return render(request, "accounts/invitation_unusable.html", {"message": error.message}, status=status)
    if invitation.tenant_id != request.tenant.pk:
        # A link is only valid on the host of the tenant that sent it.
        return render(
            request, "accounts/invitation_unusable.html", {"message": "This invitation link is not valid."}, status=404
        )

    signed_in = request.user.is_authenticated
    has_account = signed_in or User.objects.filter(email__iexact=invitation.email).exists()
    form_class = AcceptExistingAccountForm if has_account else AcceptNewAccountForm
    form = None if signed_in else form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and (form is None or form.is_valid()):
        data = form.cleaned_data if form is not None else {}
        try:
            membership = services.invitation_accept(
                token=token,
                user=request.user if signed_in else None,
                password=data.get("password") or data.get("password1"),
                full_name=data.get("full_name", ""),
                request=request,
            )
        except selectors.InvitationUnusable as error:
            return render(request, "accounts/invitation_unusable.html", {"message": error.message}, status=410)
        except ApplicationError as error:
            if form is None:
                return render(request, "accounts/invitation_unusable.html", {"message": error.message}, status=400)
            add_service_error(form, error, field_map={"password": "password" if has_account else "password1"})
        else:
            messages.success(request, f"Welcome to {invitation.tenant.name}.")
            if signed_in:
                return redirect("/")
            if mfa_enrolled(user=membership.user):
                # The password alone does not sign in an account with two-factor: the login page asks for both.
                messages.info(request, "Sign in with your e-mail address, password and two-factor code.")
                return redirect(f"{settings.LOGIN_URL}?next=/")
            start_session(request, membership.user, remember=False)
            signin_record_success(user=membership.user, method="invitation")
            return redirect("/")
    context = {"invitation": invitation, "form": form, "has_account": has_account}
    return render(request, "accounts/invitation_accept.html", context, status=400 if request.method == "POST" else 200)


# --- Passwords ------------------------------------------------------------------------------


class _TenantFormMixin:
    """Password forms work within the host's tenant (who may reset there, whose audit log records it);
    a form with errors answers 400."""

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "tenant": self.request.tenant}

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class PasswordResetView(_TenantFormMixin, auth_views.PasswordResetView):
    """Mails a single-use link (PASSWORD_RESET_TIMEOUT) built from the tenant's primary domain."""

    form_class = TenantPasswordResetForm
    template_name = "registration/password_reset_form.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        tenant = self.request.tenant
        form.save(
            domain_override=tenant_host(tenant=tenant),
            use_https=settings.LINK_SCHEME == "https",
            token_generator=self.token_generator,
            from_email=self.from_email,
            email_template_name=self.email_template_name,
            subject_template_name=self.subject_template_name,
            request=self.request,
            extra_email_context={"site_name": tenant.name, "tenant": tenant},
        )
        return redirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(_TenantFormMixin, auth_views.PasswordResetConfirmView):
    form_class = TenantSetPasswordForm
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def get_user(self, uidb64):
        # Links are valid only on the host of a tenant the account belongs to.
        user = super().get_user(uidb64)
        if user is not None and not user.memberships.filter(tenant_id=self.request.tenant.pk, is_active=True).exists():
            return None
        return user


class OwnerWelcomeView(PasswordResetConfirmView):
    """The set-password link mailed to a new owner (apps/accounts/onboarding.py): the reset page with its
    own, longer-lived token."""

    token_generator = owner_onboarding_tokens
    reset_url_token = "choose-password"


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"


class PasswordChangeView(_TenantFormMixin, auth_views.PasswordChangeView):
    form_class = TenantPasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "Your password was changed.")
        return response


@login_required
@require_POST
def sessions_revoke(request: HttpRequest) -> HttpResponse:
    """ "Sign out everywhere": every other session and every API token of the signed-in user ends."""
    services.user_sessions_revoke(user=request.user, tenant=request.tenant)
    update_session_auth_hash(request, request.user)
    messages.success(request, "You are signed out everywhere else, and your API tokens are revoked.")
    return redirect("accounts:password_change")
