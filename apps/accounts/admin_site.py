"""Django admin on the public host: platform superusers only, always with a one-time password.

Built on django-otp's OTPAdminSite (its login form asks for the code). A superuser bootstraps their
first device with `manage.py addstatictoken <email>`, signs in with that code and adds a TOTP device.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite


class PlatformAdminAuthenticationForm(OTPAdminAuthenticationForm):
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
