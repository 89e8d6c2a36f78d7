"""TOTP secrets (django-otp's TOTPDevice.key, public schema) encrypted at rest under public's data key.

The column is django-otp's varchar(80) of hex. We store the 20 raw key bytes sealed instead:
`pm1:<version>:<base64>` is 70 characters, so the column stays as it is. `bin_key` (what django-otp
verifies codes and draws the QR code with) decrypts; a key still in hex (a device enrolled before this
release) is read as before and encrypted by the post-deploy backfill (privacy 0003) or its next save.
"""

from __future__ import annotations

from binascii import unhexlify

from django.db.models.signals import pre_save
from django_tenants.utils import get_public_schema_name

from backend import crypto

LABEL = "otp_totp.totpdevice.key"


def encrypt_key(hex_key: str) -> str:
    return crypto.encrypt_bytes(unhexlify(hex_key.encode()), label=LABEL, schema=get_public_schema_name())


def key_bytes(stored: str) -> bytes:
    if crypto.is_ciphertext(stored):
        return crypto.decrypt_bytes(stored, label=LABEL, schema=get_public_schema_name())
    return unhexlify(stored.encode())


def _encrypt_before_save(sender, instance, **kwargs) -> None:
    if instance.key and not crypto.is_ciphertext(instance.key):
        instance.key = encrypt_key(instance.key)


def install() -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.bin_key = property(lambda device: key_bytes(device.key))
    pre_save.connect(_encrypt_before_save, sender=TOTPDevice, dispatch_uid="privacy.encrypt_totp_key")
