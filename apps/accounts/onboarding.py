"""Owner onboarding: an owner given to a tenant by `create_tenant` or the admin gets an e-mail.

A new account (no usable password) gets an expiring, single-use link to choose its password
(`/password-reset/welcome/<uid>/<token>/` on the tenant's platform host, OWNER_ONBOARDING_SECONDS); the
token hashes the password and last login, so setting a password or signing in uses it up. An account
that already has a password is told about the new workspace and where to sign in.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode

from .links import tenant_url
from .models import User


class OwnerOnboardingTokenGenerator(PasswordResetTokenGenerator):
    """Django's reset token with its own salt and lifetime (a welcome waits longer than a reset)."""

    key_salt = "apps.accounts.onboarding.OwnerOnboardingTokenGenerator"

    def check_token(self, user, token) -> bool:
        if not (user and token):
            return False
        try:
            ts_b36, _hash = token.split("-")
            ts = base36_to_int(ts_b36)
        except ValueError:
            return False
        if not any(
            constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        ):
            return False
        return (self._num_seconds(self._now()) - ts) <= settings.OWNER_ONBOARDING_SECONDS


owner_onboarding_tokens = OwnerOnboardingTokenGenerator()


def owner_onboarding_send(*, tenant, user: User) -> str | None:
    """Mail the owner of a newly created `tenant`; return the set-password link (None for an account
    that already has a password). Raises ValueError when the tenant has no verified platform host yet."""
    link = None
    if not user.has_usable_password():
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        token = owner_onboarding_tokens.make_token(user)
        link = tenant_url(tenant=tenant, path=f"/password-reset/welcome/{uid}/{token}/")
    context = {
        "tenant": tenant,
        "user": user,
        "link": link,
        "login_url": tenant_url(tenant=tenant, path="/login/"),
        "days": max(1, settings.OWNER_ONBOARDING_SECONDS // 86400),
    }
    body = render_to_string("accounts/email/owner_welcome.txt", context)
    send_mail(f"You are the owner of {tenant.name} on ProjectMeats", body, None, [user.email])
    return link
