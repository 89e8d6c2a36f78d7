"""Restore a tenant bundle as a NEW tenant, or IN PLACE over the tenant it was taken from.

Both verify before anything is kept: the bundle's signature and SHA-256s (bundles.bundle_open), then,
inside one transaction, every restored table's row count and checksum against the manifest and every
restored file's SHA-256 as read back from storage. Any mismatch or error rolls the database back and
undoes the file writes, so a failed restore leaves everything as it was.

New tenant: the schema comes back under the new name (backend.backups renames it in a scratch database),
files go under `<new schema>/`, and the storage names in rows (TENANT_FILE_COLUMNS, logo, favicon) are
rewritten to the new prefix after verification. Members are re-linked by e-mail (accounts created when
missing); the given domain is the tenant's only one (the original domains belong to the original tenant).

In place (`--replace`): only into the tenant whose schema the bundle holds. In one transaction the live
schema is renamed aside, the bundle's schema created, verified, and the old one dropped; the tenant's
fields, domains (a domain now used by another tenant is left to it, and reported) and memberships are set
to the bundle's. Files are written before the commit (the ones they replace are kept aside and put back
if the transaction fails); files the bundle does not have are deleted after the commit.
"""

from __future__ import annotations

import logging
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils.dateparse import parse_datetime

from apps.accounts.models import Membership, User
from apps.tenants.models import Client, Domain
from apps.tenants.services import (
    _platform_audit,
    _provisioned_domain_create,
    _validated_email,
    _validated_new_tenant,
)
from backend import crypto
from backend.backup_bundle import sha256_stream
from backend.backups import BackupError, execute_restore_sql, renamed_schema_sql, stats_mismatch, table_stats
from backend.clock import forget_zone
from backend.exceptions import ApplicationError
from backend.tenancy import forget_hosts

from .bundles import FILE_FIELDS, TENANT_FIELDS, TENANT_FILE_COLUMNS, OpenedBundle, bundle_open, tenant_file_names

logger = logging.getLogger(__name__)


@dataclass
class RestoreResult:
    tenant: Client
    source_schema: str
    tables: int
    rows: int
    files: int
    members: int
    notes: list[str] = field(default_factory=list)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class _FileWrites:
    """Files written to storage during a restore, undone if the restore fails."""

    def __init__(self, stash: Path) -> None:
        self.stash = stash
        self.created: list[str] = []
        self.replaced: list[tuple[str, Path]] = []

    def put(self, name: str, local: Path, sha256: str) -> None:
        if default_storage.exists(name):
            with default_storage.open(name, "rb") as handle:
                if sha256_stream(handle)[0] == sha256:
                    return  # already there, byte for byte
            kept = self.stash / f"kept-{len(self.replaced):08d}"
            with default_storage.open(name, "rb") as handle, kept.open("wb") as out:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    out.write(chunk)
            default_storage.delete(name)
            self.replaced.append((name, kept))
        else:
            self.created.append(name)
        with local.open("rb") as handle:
            stored = default_storage.save(name, File(handle))
        if stored != name:
            self.created.append(stored)
            raise BackupError(f"storage saved {name!r} as {stored!r}; cannot restore that file in place")

    def undo(self) -> None:
        for name in self.created:
            try:
                default_storage.delete(name)
            except OSError:
                logger.exception("restore: could not delete %s after a failed restore", name)
        for name, kept in self.replaced:
            try:
                if default_storage.exists(name):
                    default_storage.delete(name)
                with kept.open("rb") as handle:
                    default_storage.save(name, File(handle))
            except OSError:
                logger.exception("restore: could not put back %s after a failed restore", name)


def _verify_files(*, prefix: str, manifest: dict[str, Any]) -> None:
    for relative, meta in sorted((manifest.get("files") or {}).items()):
        name = f"{prefix}/{relative}"
        try:
            with default_storage.open(name, "rb") as handle:
                digest = sha256_stream(handle)[0]
        except (FileNotFoundError, OSError):
            raise ApplicationError(f"Restore verification failed: file {relative} is missing.", field="input") from None
        if digest != meta.get("sha256"):
            raise ApplicationError(f"Restore verification failed: file {relative} checksum differs.", field="input")


def _verify_tables(*, schema: str, manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    with connection.cursor() as cursor:
        actual = table_stats(cursor, schema)
    mismatch = stats_mismatch(expected=manifest["tables"], actual=actual)
    if mismatch:
        raise ApplicationError(f"Restore verification failed: {mismatch}.", field="input")
    return actual


def _rename_file_prefix(*, schema: str, old: str, new: str) -> None:
    """Storage names `<old>/...` in TENANT_FILE_COLUMNS of `schema` become `<new>/...`."""
    with connection.cursor() as cursor:
        for table, columns in TENANT_FILE_COLUMNS.items():
            for column in columns:
                cursor.execute(
                    f"UPDATE {_quote(schema)}.{_quote(table)} SET {_quote(column)} = %s || "  # noqa: S608
                    f"substr({_quote(column)}, %s) WHERE starts_with({_quote(column)}, %s)",
                    [new + "/", len(old) + 2, old + "/"],
                )


def _tenant_values(manifest: dict[str, Any], *, old: str, new: str) -> dict[str, Any]:
    values = {name: value for name, value in (manifest.get("tenant") or {}).items() if name in TENANT_FIELDS}
    if values.get("onboarding_dismissed_at"):
        values["onboarding_dismissed_at"] = parse_datetime(values["onboarding_dismissed_at"])
    for name in FILE_FIELDS:
        if values.get(name, "").startswith(old + "/"):
            values[name] = new + values[name][len(old) :]
    return values


def _members_restore(*, tenant: Client, manifest: dict[str, Any], prune: bool) -> int:
    """Memberships as in the bundle, users found by e-mail (created without a password when missing)."""
    kept: list[int] = []
    for member in manifest.get("members") or []:
        email = str(member["email"]).lower()
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email, full_name=member.get("full_name", ""), is_active=bool(member.get("user_active", True))
            )
        revoked = member.get("sessions_revoked_at")
        membership, _ = Membership.objects.update_or_create(
            user=user,
            tenant=tenant,
            defaults={
                "role": member["role"],
                "is_active": bool(member.get("is_active", True)),
                "sessions_revoked_at": parse_datetime(revoked) if revoked else None,
            },
        )
        kept.append(membership.pk)
    if prune:
        Membership.objects.filter(tenant=tenant).exclude(pk__in=kept).delete()
    return len(kept)


def _open(dump: Path, workdir: Path) -> OpenedBundle:
    try:
        return bundle_open(source=Path(dump), workdir=workdir)
    except BackupError as exc:
        raise ApplicationError(str(exc), field="input") from None


def tenant_restore(
    *, dump: Path, schema_name: str, domain: str, name: str = "", owner_email: str = "", actor=None
) -> RestoreResult:
    """Restore a bundle as a NEW tenant `schema_name` on `domain` (name: the bundle's unless given)."""
    with tempfile.TemporaryDirectory(prefix="pm-restore-") as tmp:
        bundle = _open(dump, Path(tmp))
        manifest = bundle.manifest
        name = name or (manifest.get("tenant") or {}).get("name", "")
        _validated_new_tenant(schema_name=schema_name, name=name, domain=domain)
        if owner_email:
            _validated_email(owner_email)
        try:
            sql = renamed_schema_sql(dump=bundle.dump, source_schema=manifest["schema"], new_schema=schema_name)
        except BackupError as exc:
            raise ApplicationError(str(exc), field="input") from None
        writes = _FileWrites(Path(tmp))
        try:
            for relative, local in sorted(bundle.files.items()):
                writes.put(f"{schema_name}/{relative}", local, manifest["files"][relative]["sha256"])
            result = _restore_new_commit(
                sql=sql,
                manifest=manifest,
                schema_name=schema_name,
                name=name,
                domain=domain,
                owner_email=owner_email,
                actor=actor,
            )
        except BaseException:
            writes.undo()
            raise
    return result


@transaction.atomic
def _restore_new_commit(
    *, sql: str, manifest: dict, schema_name: str, name: str, domain: str, owner_email: str, actor
) -> RestoreResult:
    connection.set_schema_to_public()
    schema_name, name, domain = _validated_new_tenant(schema_name=schema_name, name=name, domain=domain)
    execute_restore_sql(sql)
    actual = _verify_tables(schema=schema_name, manifest=manifest)
    _verify_files(prefix=schema_name, manifest=manifest)
    source = manifest["schema"]
    _rename_file_prefix(schema=schema_name, old=source, new=schema_name)
    tenant = Client(schema_name=schema_name, **{**_tenant_values(manifest, old=source, new=schema_name), "name": name})
    tenant.auto_create_schema = False  # the schema was just restored
    tenant.save(verbosity=0)
    _provisioned_domain_create(tenant=tenant, domain=domain)
    members = _members_restore(tenant=tenant, manifest=manifest, prune=False)
    if owner_email:
        owner = User.objects.filter(email__iexact=owner_email).first() or User.objects.create_user(email=owner_email)
        Membership.objects.update_or_create(user=owner, tenant=tenant, defaults={"role": "owner", "is_active": True})
    rows = sum(table["rows"] for table in actual.values())
    files = len(manifest.get("files") or {})
    _platform_audit(
        action="tenant.restore",
        actor=actor,
        tenant=tenant,
        changes={
            "source_schema": source,
            "backup_created_at": manifest.get("created_at"),
            "tables": len(actual),
            "rows": rows,
            "files": files,
            "members": members,
            "domain": domain,
        },
    )
    crypto.reset_key_cache(schema_name)
    return RestoreResult(
        tenant=tenant, source_schema=source, tables=len(actual), rows=rows, files=files, members=members
    )


def tenant_restore_replace(*, dump: Path, schema_name: str, actor=None) -> RestoreResult:
    """Restore a bundle IN PLACE over the tenant it was taken from (all or nothing)."""
    tenant = Client.objects.filter(schema_name=schema_name).first()
    if tenant is None or schema_name == "public":
        raise ApplicationError(f"No tenant with schema {schema_name!r}.", field="schema_name")
    with tempfile.TemporaryDirectory(prefix="pm-restore-") as tmp:
        bundle = _open(dump, Path(tmp))
        manifest = bundle.manifest
        if manifest["schema"] != schema_name:
            raise ApplicationError(
                f"This backup is of tenant {manifest['schema']!r}, not {schema_name!r}; "
                "restore it as a new tenant instead.",
                field="input",
            )
        try:
            sql = renamed_schema_sql(dump=bundle.dump, source_schema=schema_name, new_schema=schema_name)
        except BackupError as exc:
            raise ApplicationError(str(exc), field="input") from None
        before = tenant_file_names(schema_name)
        writes = _FileWrites(Path(tmp))
        try:
            for relative, local in sorted(bundle.files.items()):
                writes.put(f"{schema_name}/{relative}", local, manifest["files"][relative]["sha256"])
            result, hosts = _restore_replace_commit(sql=sql, manifest=manifest, tenant=tenant, actor=actor)
        except BaseException:
            writes.undo()
            raise
    wanted = {f"{schema_name}/{relative}" for relative in manifest.get("files") or {}}
    for name in before:
        if name not in wanted:
            try:
                default_storage.delete(name)
            except OSError:
                logger.exception("restore: could not delete %s (not in the backup)", name)
    forget_hosts(hosts)
    forget_zone(schema_name)
    crypto.reset_key_cache(schema_name)
    return result


@transaction.atomic
def _restore_replace_commit(*, sql: str, manifest: dict, tenant: Client, actor) -> tuple[RestoreResult, list[str]]:
    connection.set_schema_to_public()
    schema = tenant.schema_name
    locked = Client.objects.select_for_update().get(pk=tenant.pk)
    aside = f"_replaced_{secrets.token_hex(6)}"
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER SCHEMA {_quote(schema)} RENAME TO {_quote(aside)}")
    execute_restore_sql(sql)
    actual = _verify_tables(schema=schema, manifest=manifest)
    _verify_files(prefix=schema, manifest=manifest)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA {_quote(aside)} CASCADE")
    for name, value in _tenant_values(manifest, old=schema, new=schema).items():
        setattr(locked, name, value)
    locked.save()
    hosts, notes = _domains_replace(tenant=locked, manifest=manifest)
    members = _members_restore(tenant=locked, manifest=manifest, prune=True)
    rows = sum(table["rows"] for table in actual.values())
    files = len(manifest.get("files") or {})
    _platform_audit(
        action="tenant.restore_replace",
        actor=actor,
        tenant=locked,
        changes={
            "backup_created_at": manifest.get("created_at"),
            "tables": len(actual),
            "rows": rows,
            "files": files,
            "members": members,
            "domains_skipped": [note.split(" ")[1] for note in notes],
        },
    )
    result = RestoreResult(
        tenant=locked, source_schema=schema, tables=len(actual), rows=rows, files=files, members=members, notes=notes
    )
    return result, hosts


def _domains_replace(*, tenant: Client, manifest: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The tenant's domains become the bundle's; one now used by another tenant stays with it (noted)."""
    current = {d.domain: d for d in Domain.objects.filter(tenant=tenant)}
    wanted = {d["domain"]: d for d in manifest.get("domains") or []}
    notes: list[str] = []
    Domain.objects.filter(tenant=tenant).exclude(domain__in=list(wanted)).delete()
    for name, values in sorted(wanted.items()):
        fields = {
            "is_primary": bool(values.get("is_primary")),
            "is_verified": bool(values.get("is_verified")),
            "verification_token": values.get("verification_token") or "",
            "verified_at": parse_datetime(values["verified_at"]) if values.get("verified_at") else None,
        }
        if name in current:
            Domain.objects.filter(pk=current[name].pk).update(**fields)
        elif Domain.objects.filter(domain=name).exists():
            notes.append(f"domain {name} now belongs to another tenant and was not restored")
        else:
            Domain.objects.create(domain=name, tenant=tenant, **fields)
    if not Domain.objects.filter(tenant=tenant, is_primary=True).exists():
        first = Domain.objects.filter(tenant=tenant).order_by("domain").first()
        if first is not None:
            Domain.objects.filter(pk=first.pk).update(is_primary=True)
    return sorted(set(current) | set(wanted)), notes
