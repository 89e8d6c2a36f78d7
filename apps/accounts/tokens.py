"""API tokens for programs: issue (password + OTP when enrolled), look up, revoke (IAM-17).

A token is 43 URL-safe random characters. Only its SHA-256 is stored; the first characters are kept
in clear to find the row, and the hash is compared in constant time. A token works only on the host
of the tenant it was issued for, and only while its user keeps an active membership there.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from apps.audit.services import audit_record
from backend.exceptions import ApplicationError

from .lockout import lockout_message
from .mfa import mfa_enrolled, mfa_verify
from .models import ApiToken, User
from .signin import BAD_CREDENTIALS_MESSAGE, signin_allowed_check, signin_record_failure

# last_used_at is a hint for people reviewing tokens, not a log: write it at most once a minute.
LAST_USED_PRECISION = timedelta(minutes=1)


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_issue(*, request: HttpRequest, tenant, email: str, password: str, otp: str = "") -> tuple[ApiToken, str]:
    """Check the credentials like the login page does and return (token, raw token to show once).

    Not atomic on purpose: django-axes' failure count and the failed-sign-in audit row must be kept
    when the credentials are refused.
    """
    user = authenticate(request, email=email, password=password)
    if user is None:
        locked = getattr(request, "axes_locked_out", False)
        signin_record_failure(email=email, reason="locked_out" if locked else "bad_credentials", tenant=tenant)
        raise ApplicationError(
            lockout_message() if locked else BAD_CREDENTIALS_MESSAGE, code="locked_out" if locked else "invalid_login"
        )
    try:
        signin_allowed_check(user=user, tenant=tenant)
    except ApplicationError:
        signin_record_failure(email=email, reason="no_active_membership", tenant=tenant)
        raise
    if mfa_enrolled(user=user):
        if not otp:
            raise ApplicationError("Enter the code from your authenticator app (or a backup code).", field="otp")
        try:
            device = mfa_verify(user=user, code=otp)
        except ApplicationError as exc:
            raise ApplicationError(exc.message, field="otp") from exc
        if device is None:
            signin_record_failure(email=email, reason="bad_otp", tenant=tenant)
            raise ApplicationError("That code is not valid.", field="otp")
    elif tenant.require_mfa:
        raise ApplicationError(
            f"{tenant.name} requires two-factor authentication. Turn it on under /account/mfa/ first.",
            code="permission_denied",
        )
    if user.must_change_password:  # IAM-14: no API access on a temporary password
        raise ApplicationError(
            "You have a temporary password. Sign in on the website and choose a new one first.",
            code="permission_denied",
        )
    return api_token_create(user=user, tenant=tenant)


@transaction.atomic
def api_token_create(*, user: User, tenant, name: str = "") -> tuple[ApiToken, str]:
    raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        tenant=tenant,
        name=name,
        key_prefix=raw[: ApiToken.PREFIX_LENGTH],
        key_hash=_hash(raw),
        expires_at=timezone.now() + timedelta(minutes=settings.API_TOKEN_TTL_MINUTES),
    )
    audit_record(
        action="token.create", actor=user, target=token, changes={"expires_at": [None, token.expires_at.isoformat()]}
    )
    return token, raw


def api_token_for_key(*, raw: str, tenant) -> ApiToken | None:
    """The usable token matching `raw` on `tenant`'s host, else None (unknown, expired, revoked,
    another tenant's, its user no longer an active member, the tenant suspended: all look the same)."""
    if not raw or len(raw) > 128:
        return None
    digest = _hash(raw)
    match = None
    for candidate in ApiToken.objects.filter(key_prefix=raw[: ApiToken.PREFIX_LENGTH]).select_related("user"):
        if hmac.compare_digest(candidate.key_hash, digest):
            match = candidate
    if match is None or match.tenant_id != tenant.pk or not match.is_usable or not match.user.is_active:
        return None
    try:
        signin_allowed_check(user=match.user, tenant=tenant)  # still a member, tenant still active
    except ApplicationError:
        return None
    return match


def api_token_touch(*, token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


@transaction.atomic
def api_token_revoke(*, token: ApiToken, user: User) -> ApiToken:
    if token.user_id != user.pk:
        raise ApplicationError("Not found.", code="not_found")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(action="token.revoke", actor=user, target=token)
    return token
