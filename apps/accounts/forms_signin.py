"""Forms of the sign-in pages: password step, MFA challenge, enrolment, disabling MFA, tenant setting."""

from __future__ import annotations

from django import forms
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError

from backend.exceptions import ApplicationError

from .lockout import lockout_message
from .signin import BAD_CREDENTIALS_MESSAGE, signin_allowed_check, signin_record_failure


class SignInForm(forms.Form):
    email = forms.EmailField(
        label="E-mail", max_length=254, widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    remember = forms.BooleanField(label="Remember me for 30 days", required=False)

    def __init__(self, request, *args, **kwargs):
        self.request = request
        self.user_cache = None
        super().__init__(*args, **kwargs)

    def clean(self):
        email = self.cleaned_data.get("email")
        password = self.cleaned_data.get("password")
        if not email or not password:
            return self.cleaned_data
        tenant = self.request.tenant
        # authenticate() runs django-axes first: locked-out credentials never reach the password check.
        self.user_cache = authenticate(self.request, email=email, password=password)
        if self.user_cache is None:
            locked = getattr(self.request, "axes_locked_out", False)
            signin_record_failure(email=email, reason="locked_out" if locked else "bad_credentials", tenant=tenant)
            raise ValidationError(lockout_message() if locked else BAD_CREDENTIALS_MESSAGE, code="invalid_login")
        try:
            signin_allowed_check(user=self.user_cache, tenant=tenant)
        except ApplicationError as exc:
            signin_record_failure(email=email, reason="no_active_membership", tenant=tenant)
            raise ValidationError(exc.message, code=exc.code) from exc
        return self.cleaned_data

    def get_user(self):
        return self.user_cache


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=16,
        help_text="The 6-digit code from your authenticator app, or one of your backup codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "inputmode": "text"}),
    )


class EnrolConfirmForm(forms.Form):
    code = forms.CharField(
        label="Code from your app",
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class MfaDisableForm(forms.Form):
    code = forms.CharField(label="Current code", max_length=16, required=False)
    password = forms.CharField(
        label="or your password", strip=False, max_length=4096, required=False, widget=forms.PasswordInput
    )

    def clean(self):
        if not self.cleaned_data.get("code") and not self.cleaned_data.get("password"):
            raise ValidationError("Enter a current code or your password.")
        return self.cleaned_data


class SecuritySettingsForm(forms.Form):
    require_mfa = forms.BooleanField(label="Require two-factor authentication for every member", required=False)
