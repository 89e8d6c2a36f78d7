"""TOTP two-factor sign-in (django-otp): enrolment, verification, backup codes, disabling.

A user is "enrolled" when they own a confirmed TOTP device. Enrolling also creates one static device
holding single-use backup codes; disabling deletes both.
"""

from __future__ import annotations

import re
from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.http import HttpRequest
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.audit.services import audit_record
from backend.exceptions import ApplicationError

from .lockout import lockout_message
from .models import User
from .revocation import credentials_revoke
from .signin import on_tenant_schema

TOTP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"
INVALID_CODE_MESSAGE = "That code is not valid. Check your authenticator app and try again."
_CODE_NOISE = re.compile(r"[\s-]")


def mfa_enrolled(*, user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def mfa_backup_codes_left(*, user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def normalize_code(code: str) -> str:
    return _CODE_NOISE.sub("", code or "").lower()


def _audit(*, action: str, user: User) -> None:
    if on_tenant_schema():
        audit_record(action=action, actor=user, target=user)


THROTTLED_MESSAGE = "Too many wrong codes. Wait a few seconds and try again."


def mfa_verify(*, user: User, code: str) -> Device | None:
    """The confirmed device that accepts `code` (six digits: the app; otherwise a backup code), or None.

    Rows are locked so one code cannot be used twice concurrently; TOTP codes are also refused when
    reused within their time step, and a backup code is deleted when used. Raises when django-otp's
    throttling (exponential back-off after failures) refuses to check the code at all. Callers must not
    wrap this in a transaction they roll back on failure: the failure count has to stick.
    """
    code = normalize_code(code)
    if not code or len(code) > 16:
        return None
    model = TOTPDevice if code.isdigit() else StaticDevice
    with transaction.atomic():
        for device in model.objects.devices_for_user(user, confirmed=True).select_for_update():
            allowed, _ = device.verify_is_allowed()
            if not allowed:
                raise ApplicationError(THROTTLED_MESSAGE, field="code", code="throttled")
            if device.verify_token(code):
                return device
    return None


@transaction.atomic
def mfa_enrolment_start(*, user: User) -> TOTPDevice:
    """The user's unconfirmed TOTP device (a fresh secret each time enrolment starts)."""
    if mfa_enrolled(user=user):
        raise ApplicationError("Two-factor authentication is already on.", code="invalid")
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)


def mfa_enrolment_device(*, user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()


def mfa_enable(*, user: User, device: TOTPDevice, code: str) -> list[str]:
    """Confirm `device` with a code from the app; return new backup codes (shown once, never again)."""
    with transaction.atomic():  # committed even when the code is wrong, so throttling counts it
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user, confirmed=False)
        allowed, _ = device.verify_is_allowed()
        verified = allowed and device.verify_token(normalize_code(code))
    if not allowed:
        raise ApplicationError(THROTTLED_MESSAGE, field="code", code="throttled")
    if not verified:
        raise ApplicationError(INVALID_CODE_MESSAGE, field="code")
    return _mfa_confirm(user=user, device=device)


@transaction.atomic
def _mfa_confirm(*, user: User, device: TOTPDevice) -> list[str]:
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _backup_codes_replace(user=user)
    _audit(action="mfa.enable", user=user)
    return codes


def _backup_codes_replace(*, user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    backup = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.MFA_BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=backup, token=code) for code in codes])
    return codes


def mfa_disable(*, user: User, code: str = "", password: str = "", request: HttpRequest | None = None) -> None:
    """Turn two-factor off; the user proves it is them with a current code or their password.

    The password goes through authenticate() with `request`, like the login page: django-axes counts a
    wrong one and refuses a locked-out account even when the password is right.
    """
    if not mfa_enrolled(user=user):
        raise ApplicationError("Two-factor authentication is not on.", code="invalid")
    proven = bool(code) and mfa_verify(user=user, code=code) is not None
    if not proven and password:
        if request is None:
            raise ValueError("A password is checked only with the request (django-axes).")
        authenticated = authenticate(request, email=user.email, password=password)
        if getattr(request, "axes_locked_out", False):
            raise ApplicationError(lockout_message(), field="password", code="locked_out")
        proven = authenticated is not None and authenticated.pk == user.pk
    if not proven:
        raise ApplicationError("Enter a current code or your password to turn two-factor off.", field="code")
    _mfa_remove(user=user)


@transaction.atomic
def _mfa_remove(*, user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    credentials_revoke(user=user)  # tokens and sessions that passed the second factor
    _audit(action="mfa.disable", user=user)


def totp_secret_text(device: TOTPDevice) -> str:
    """The base32 secret in groups of four, for typing into an app by hand."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def totp_qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG QR code, drawn on the server (no external service)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")
