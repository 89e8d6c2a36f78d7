# Backfill, after the deploy: TOTP secrets still stored in hex (enrolled before this release, or by the
# previous release during the deploy) are encrypted in place (apps.privacy.totp). Only the public schema
# has TOTP devices; in tenant schemas this does nothing. Reversible: going back stores hex again.
from binascii import hexlify

from django.db import migrations
from django_tenants.utils import get_public_schema_name
from syzygy import Stage


def _devices(apps, schema_editor):
    if schema_editor.connection.schema_name != get_public_schema_name():
        return []
    return apps.get_model("otp_totp", "TOTPDevice").objects.all()


def encrypt_keys(apps, schema_editor):
    from apps.privacy.totp import encrypt_key

    for device in _devices(apps, schema_editor):
        if not device.key.startswith("pm1:"):
            type(device).objects.filter(pk=device.pk).update(key=encrypt_key(device.key))


def decrypt_keys(apps, schema_editor):
    from apps.privacy.totp import key_bytes

    for device in _devices(apps, schema_editor):
        if device.key.startswith("pm1:"):
            type(device).objects.filter(pk=device.pk).update(key=hexlify(key_bytes(device.key)).decode())


class Migration(migrations.Migration):
    stage = Stage.POST_DEPLOY

    dependencies = [
        ("privacy", "0002_subjectkey"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(encrypt_keys, decrypt_keys, elidable=False)]
