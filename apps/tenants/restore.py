"""Restore a `backup_tenant` dump as a new tenant, verified table by table against its manifest."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction

from apps.accounts.services import membership_ensure, user_ensure
from backend.backups import (
    BackupError,
    execute_restore_sql,
    read_manifest,
    renamed_schema_sql,
    stats_mismatch,
    table_stats,
)
from backend.exceptions import ApplicationError

from .models import Client
from .services import _platform_audit, _provisioned_domain_create, _validated_email, _validated_new_tenant


@dataclass
class RestoreResult:
    tenant: Client
    source_schema: str
    tables: int
    rows: int


def tenant_restore(
    *, dump: Path, schema_name: str, name: str, domain: str, owner_email: str = "", actor=None
) -> RestoreResult:
    """Restore a `backup_tenant` dump as a NEW tenant (schema, domain, optional owner), verified.

    The renamed SQL is prepared outside any transaction (scratch database, see backend.backups); then
    one transaction executes it, compares every table's row count and checksum with the manifest and
    registers the tenant. A mismatch or any error rolls all of it back.
    """
    try:
        manifest = read_manifest(Path(dump))
        _validated_new_tenant(schema_name=schema_name, name=name, domain=domain)
        if owner_email:
            _validated_email(owner_email)
        sql = renamed_schema_sql(dump=Path(dump), source_schema=manifest["schema"], new_schema=schema_name)
    except BackupError as exc:
        raise ApplicationError(str(exc), field="input") from None
    return _tenant_restore_commit(
        sql=sql,
        manifest=manifest,
        schema_name=schema_name,
        name=name,
        domain=domain,
        owner_email=owner_email,
        actor=actor,
    )


@transaction.atomic
def _tenant_restore_commit(
    *, sql: str, manifest: dict, schema_name: str, name: str, domain: str, owner_email: str, actor
) -> RestoreResult:
    connection.set_schema_to_public()
    schema_name, name, domain = _validated_new_tenant(schema_name=schema_name, name=name, domain=domain)
    execute_restore_sql(sql)
    with connection.cursor() as cursor:
        actual = table_stats(cursor, schema_name)
    mismatch = stats_mismatch(expected=manifest["tables"], actual=actual)
    if mismatch:
        raise ApplicationError(f"Restore verification failed: {mismatch}.", field="input")
    tenant = Client(schema_name=schema_name, name=name)
    tenant.auto_create_schema = False  # the schema was just restored
    tenant.save(verbosity=0)
    _provisioned_domain_create(tenant=tenant, domain=domain)
    if owner_email:
        membership_ensure(user=user_ensure(email=owner_email), tenant=tenant, role="owner")
    rows = sum(table["rows"] for table in actual.values())
    _platform_audit(
        action="tenant.restore",
        actor=actor,
        tenant=tenant,
        changes={
            "source_schema": manifest["schema"],
            "backup_created_at": manifest.get("created_at"),
            "tables": len(actual),
            "rows": rows,
            "domain": domain,
        },
    )
    return RestoreResult(tenant=tenant, source_schema=manifest["schema"], tables=len(actual), rows=rows)
