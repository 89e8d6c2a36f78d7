"""Key rotation without downtime, per schema.

- master: re-wrap the schema's data keys under the first ENCRYPTION_MASTER_KEYS entry (no row changes);
  afterwards the old master key can be removed from the environment.
- data: add a new data-key version (new writes use it at once in this process, in others within
  `backend.crypto.CACHE_SECONDS`) and re-encrypt the rows still under older versions, in short
  batches; older versions stay, so rows written meanwhile by a process with the old key cached decrypt.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django_tenants.utils import get_public_schema_name, schema_context

from backend import crypto
from backend.fields import encrypted_fields

from .keys import rewrap_keys, rotate_data_key

BATCH = 500


@dataclass
class RotationResult:
    schema: str
    rewrapped: int = 0
    new_version: int | None = None
    reencrypted: int = 0


def encrypted_models(schema: str) -> list[type]:
    """Models with encrypted fields whose tables live in `schema` (tenant apps, or shared apps in public)."""
    public = schema == get_public_schema_name()
    app_names = settings.SHARED_APPS if public else settings.TENANT_APPS
    return [
        model
        for model in apps.get_models()
        if encrypted_fields(model) and model._meta.app_config.name in app_names and not model._meta.proxy
    ]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def reencrypt_schema(schema: str) -> int:
    """Re-encrypt every encrypted value of `schema` not under its current data key; returns rows rewritten."""
    keys = crypto.keyset(schema)
    if keys is None:
        return 0
    current, rewritten = keys.current_version, 0
    marker = f"{crypto.PREFIX}:{current}:"
    for model in encrypted_models(schema):
        fields = encrypted_fields(model)
        stale = " OR ".join(f"({_quote(f.column)} <> '' AND {_quote(f.column)} NOT LIKE %s)" for f in fields)
        table = f"{_quote(schema)}.{_quote(model._meta.db_table)}"
        last = 0
        while True:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT {_quote(model._meta.pk.column)} FROM {table} "  # noqa: S608
                        f"WHERE {_quote(model._meta.pk.column)} > %s AND ({stale}) ORDER BY 1 LIMIT {BATCH}",
                        [last, *[marker + "%"] * len(fields)],
                    )
                    ids = [row[0] for row in cursor.fetchall()]
                if not ids:
                    break
                for obj in model._base_manager.filter(pk__in=ids).select_for_update():
                    obj.save(update_fields=[f.name for f in fields])
                rewritten += len(ids)
                last = ids[-1]
    return rewritten


def rotate_schema(schema: str, *, master: bool, data: bool) -> RotationResult:
    result = RotationResult(schema=schema)
    with schema_context(schema):
        if master:
            with transaction.atomic():
                result.rewrapped = rewrap_keys(schema)
        if data and crypto.keyset(schema) is not None:  # a schema that never encrypted anything has no keys
            with transaction.atomic():
                result.new_version = rotate_data_key(schema)
            result.reencrypted = reencrypt_schema(schema)
    return result
