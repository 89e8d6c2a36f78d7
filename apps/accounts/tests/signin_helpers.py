"""Helpers for the sign-in tests: sign in through the real login page, enrol a device, read audit rows."""

from __future__ import annotations

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import tenant_context

from apps.accounts.mfa import mfa_enable, mfa_enrolment_start
from apps.audit.models import AuditEvent
from conftest import TEST_PASSWORD


def sign_in(client, email: str, password: str = TEST_PASSWORD, ip: str = "127.0.0.1", **data):
    return client.post("/login/", {"email": email, "password": password, **data}, REMOTE_ADDR=ip)


def code_for(device: TOTPDevice) -> str:
    """The code an authenticator app shows now (time_machine moves "now"), as the user would type it."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"


def enrol(user) -> tuple[TOTPDevice, list[str]]:
    """Enrol `user` through the real services (as the enrolment page does); returns device and backup codes."""
    device = mfa_enrolment_start(user=user)
    codes = mfa_enable(user=user, device=device, code=code_for(device))
    device.refresh_from_db()
    return device, codes


def audit_actions(tenant, action: str) -> list[AuditEvent]:
    with tenant_context(tenant):
        return list(AuditEvent.objects.filter(action=action).order_by("id"))
