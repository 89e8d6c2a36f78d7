"""Forms for members, invitations and passwords; they parse input, the services decide."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.db.models import Exists, OuterRef

from backend.exceptions import ApplicationError

from .models import Membership, User
from .services import user_password_set


def add_service_error(form: forms.Form, error: ApplicationError, *, field_map: dict[str, str] | None = None) -> None:
    """Show a service's refusal next to the field it names (or above the form)."""
    field = (field_map or {}).get(error.field, error.field)
    form.add_error(field if field in form.fields else None, error.message)


class InvitationForm(forms.Form):
    email = forms.EmailField(max_length=254)
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.VIEWER)

    def __init__(self, *args, can_grant_owner: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_grant_owner:
            self.fields["role"].choices = [c for c in Membership.Role.choices if c[0] != Membership.Role.OWNER]


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices)

    def __init__(self, *args, can_grant_owner: bool = False, current_role: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if not can_grant_owner and current_role != Membership.Role.OWNER:
            self.fields["role"].choices = [c for c in Membership.Role.choices if c[0] != Membership.Role.OWNER]


class AcceptNewAccountForm(forms.Form):
    full_name = forms.CharField(max_length=200, required=False, label="Your name")
    password1 = forms.CharField(
        label="Choose a password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label="Repeat the password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password2") and cleaned["password1"] != cleaned["password2"]:
            self.add_error("password2", "The two passwords differ.")
        return cleaned


class AcceptExistingAccountForm(forms.Form):
    password = forms.CharField(
        label="Your current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class TenantPasswordResetForm(PasswordResetForm):
    """Only active members of this tenant get a link; everyone else gets the same page and no mail."""

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.tenant = tenant

    def get_users(self, email):
        member = Membership.objects.filter(user=OuterRef("pk"), tenant_id=self.tenant.pk, is_active=True)
        # Unusable passwords included: an owner created by create_tenant/admin who lost the welcome link
        # sets their first password this way (Django skips them by default).
        return User.objects.filter(email__iexact=email, is_active=True).filter(Exists(member))


class _AuditedPasswordMixin:
    reason = ""

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.tenant = tenant

    def save(self, commit: bool = True):
        return user_password_set(
            user=self.user, password=self.cleaned_data["new_password1"], tenant=self.tenant, reason=self.reason
        )


class TenantSetPasswordForm(_AuditedPasswordMixin, SetPasswordForm):
    reason = "reset"


class TenantPasswordChangeForm(_AuditedPasswordMixin, PasswordChangeForm):
    reason = "change"
