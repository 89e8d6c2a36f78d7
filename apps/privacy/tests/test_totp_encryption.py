"""TOTP secrets are stored encrypted in public; codes still verify, before and after the backfill."""

import importlib
from binascii import hexlify

from django.apps import apps
from django.db import connection
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import tenant_context


def _stored_key(device: TOTPDevice) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM public.otp_totp_totpdevice WHERE id = %s", [device.pk])
        return cursor.fetchone()[0]


def _code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def test_totp_secret_is_encrypted_and_codes_verify_on_a_tenant_host(tenant_a):
    device = TOTPDevice.objects.create(user=tenant_a.staff, name="phone", confirmed=True)
    stored = _stored_key(device)
    assert stored.startswith("pm1:") and len(stored) <= 80
    assert hexlify(device.bin_key).decode() not in stored
    with tenant_context(tenant_a.tenant):  # signing in happens on a tenant host: the key is public's
        fresh = TOTPDevice.objects.get(pk=device.pk)
        assert fresh.verify_token(_code(fresh))


def test_a_hex_secret_of_the_previous_release_verifies_and_is_backfilled(tenant_a):
    device = TOTPDevice.objects.create(user=tenant_a.staff, name="old", confirmed=True)
    raw = device.bin_key
    TOTPDevice.objects.filter(pk=device.pk).update(key=hexlify(raw).decode())  # as the old release stored it
    old = TOTPDevice.objects.get(pk=device.pk)
    assert old.bin_key == raw and old.verify_token(_code(old))
    backfill = importlib.import_module("apps.privacy.migrations.0003_encrypt_totp_keys")
    backfill.encrypt_keys(apps, connection.schema_editor())
    assert _stored_key(device).startswith("pm1:")
    assert TOTPDevice.objects.get(pk=device.pk).bin_key == raw
    backfill.decrypt_keys(apps, connection.schema_editor())
    assert _stored_key(device) == hexlify(raw).decode()
