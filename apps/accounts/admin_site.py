"""Django admin on the public host: platform superusers only, always with a one-time password.

Built on django-otp's OTPAdminSite (its login form asks for the code). A superuser bootstraps their
first device with `manage.py addstatictoken <email>`, signs in with that code and adds a TOTP device.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .mfa import normalize_code


class PlatformAdminAuthenticationForm(OTPAdminAuthenticationForm):
    def _chosen_device(self, user):
        """Without an explicit choice, six digits go to the app's device and anything else to the
        backup codes, as on the tenant sign-in page (django-otp would ask to pick a device first)."""
        device = super()._chosen_device(user)
        if device is None:
            token = normalize_code(self.cleaned_data.get("otp_token") or "")
            model = TOTPDevice if token.isdigit() else StaticDevice
            device = model.objects.devices_for_user(user, confirmed=True).select_for_update().first()
        return device

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not user.is_superuser:
            # Same words as a wrong password: tenant staff learn nothing about admin accounts.
            raise ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


class PlatformAdminSite(OTPAdminSite):
    login_form = PlatformAdminAuthenticationForm

    def has_permission(self, request) -> bool:
        user = request.user
        return user.is_active and user.is_superuser and user.is_verified()
