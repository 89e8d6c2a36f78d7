"""A tenant's complete backup bundle: its schema, its rows in `public` and its files, encrypted and signed.

    manifest (signed)  schema, created_at, dump SHA-256, every table's rows + checksum (backend.backups),
                       every file's SHA-256 and size, `tenant` (name, branding, plan and settings),
                       `domains`, `members` (e-mail, name, role, state: what re-links them to accounts)
    schema.dump        pg_dump custom format of the tenant's schema, same snapshot as the table stats
    files/...          every file under `<schema>/` in the default storage but `<schema>/exports/`
                       (offboarding exports are derived from the data; they are made again on request)

Users are identified by e-mail only: password hashes, second factors and API tokens are not copied (a
member recreated by a restore sets a password through "Forgot password"). Files are read after the
snapshot: a file uploaded in between is included without a row pointing at it, which is harmless.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.files.storage import Storage, default_storage
from django.utils import timezone

from apps.accounts.models import Membership
from apps.compliance.models import EvidenceVersion
from apps.tenants.models import Client, Domain
from backend.backup_bundle import BundleError, read_bundle, sha256_file, sha256_stream, write_bundle
from backend.backups import MANIFEST_VERSION, BackupError, dump_database, dump_schema, sign_manifest, verify_manifest
from backend.tenant_export import EXPORTS_DIR, storage_files

DUMP_NAME = "schema.dump"
DATABASE_DUMP_NAME = "database.dump"
# Client fields a bundle carries and a restore puts back (status, offboarding and export state do not travel).
TENANT_FIELDS = (
    "name",
    "primary_color",
    "secondary_color",
    "logo",
    "favicon",
    "currency",
    "locale",
    "time_zone",
    "require_mfa",
    "plan",
    "quota_overrides",
    "feature_overrides",
    "storage_bytes_used",
    "onboarding_dismissed_at",
)
FILE_FIELDS = ("logo", "favicon")  # Client fields holding storage names under `<schema>/`
DOMAIN_FIELDS = ("domain", "is_primary", "is_verified", "verification_token", "verified_at")
# Columns of tenant tables that hold storage names under `<schema>/` (rewritten when restored under a new name).
TENANT_FILE_COLUMNS = {EvidenceVersion._meta.db_table: ("file",)}


@dataclass
class BundleResult:
    output: Path
    schema: str
    tables: int
    rows: int
    files: int
    size_bytes: int
    sha256: str


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def public_rows(tenant: Client) -> dict[str, Any]:
    """The tenant's rows in `public` as the manifest carries them."""
    fields = {name: getattr(tenant, name) for name in TENANT_FIELDS}
    fields["onboarding_dismissed_at"] = _iso(fields["onboarding_dismissed_at"])
    domains = [
        {**{name: getattr(d, name) for name in DOMAIN_FIELDS}, "verified_at": _iso(d.verified_at)}
        for d in Domain.objects.filter(tenant=tenant).order_by("domain")
    ]
    members = [
        {
            "email": m.user.email,
            "full_name": m.user.full_name,
            "user_active": m.user.is_active,
            "role": m.role,
            "is_active": m.is_active,
            "sessions_revoked_at": _iso(m.sessions_revoked_at),
        }
        for m in Membership.objects.filter(tenant=tenant).select_related("user").order_by("user__email")
    ]
    return {"tenant": fields, "domains": domains, "members": members}


def tenant_file_names(schema: str, storage: Storage | None = None) -> list[str]:
    """Storage names of the tenant's files that a bundle carries (exports left out)."""
    storage = storage or default_storage
    exports = f"{schema}/{EXPORTS_DIR}/"
    return [name for name in storage_files(storage, schema) if not name.startswith(exports)]


def bundle_create(*, tenant: Client, output: Path) -> BundleResult:
    """Write the tenant's encrypted bundle to `output` (which must not exist); it appears only when complete."""
    output = Path(output)
    if not output.parent.is_dir():
        raise BackupError(f"directory {output.parent} does not exist")
    schema = tenant.schema_name
    with tempfile.TemporaryDirectory(prefix="pm-backup-") as tmp:
        work = Path(tmp)
        dump = work / DUMP_NAME
        created_at = timezone.now().isoformat()
        stats = dump_schema(schema=schema, output=dump)
        public = public_rows(tenant)  # after the snapshot: the newest membership state wins
        files: dict[str, dict[str, Any]] = {}
        local: list[tuple[str, Path]] = []
        for name in tenant_file_names(schema):
            relative = name[len(schema) + 1 :]
            copy = work / f"file-{len(local):08d}"
            with default_storage.open(name, "rb") as source, copy.open("wb") as out:
                for chunk in iter(lambda s=source: s.read(1 << 20), b""):
                    out.write(chunk)
            with copy.open("rb") as handle:
                digest, size = sha256_stream(handle)
            files[relative] = {"sha256": digest, "size": size}
            local.append((relative, copy))
        manifest = sign_manifest(
            {
                "version": MANIFEST_VERSION,
                "kind": "tenant",
                "schema": schema,
                "created_at": created_at,
                "dump_file": DUMP_NAME,
                "dump_sha256": sha256_file(dump),
                "tables": stats,
                "files": files,
                **public,
            }
        )
        partial = work / "bundle.pmbk"
        try:
            write_bundle(target=partial, manifest=manifest, dump=dump, dump_name=DUMP_NAME, files=iter(local))
        except BundleError as exc:
            raise BackupError(str(exc)) from exc
        size = partial.stat().st_size
        digest = sha256_file(partial)
        if output.exists():
            raise BackupError(f"{output} already exists; refusing to overwrite it")
        staged = output.with_name(f".{output.name}.partial")
        shutil.move(partial, staged)  # across file systems too; then an atomic rename beside the target
        staged.replace(output)
    return BundleResult(
        output=output,
        schema=schema,
        tables=len(stats),
        rows=sum(t["rows"] for t in stats.values()),
        files=len(files),
        size_bytes=size,
        sha256=digest,
    )


@dataclass
class OpenedBundle:
    manifest: dict[str, Any]
    dump: Path
    files: dict[str, Path]  # relative name -> local copy, each checked against the manifest's SHA-256


def bundle_open(*, source: Path, workdir: Path, kind: str = "tenant") -> OpenedBundle:
    """Decrypt, unpack and verify a bundle: signature, dump SHA-256 and every file's SHA-256."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source} does not exist")
    dump_name = DUMP_NAME if kind == "tenant" else DATABASE_DUMP_NAME
    try:
        manifest, dump, files = read_bundle(source=source, workdir=workdir, dump_name=dump_name)
    except BundleError as exc:
        raise BackupError(str(exc)) from None
    verify_manifest(manifest)
    if manifest.get("kind") != kind:
        raise BackupError(f"{source.name} is a {manifest.get('kind')} backup, not a {kind} backup")
    if manifest.get("dump_sha256") != sha256_file(dump):
        raise BackupError(f"{source.name}: the dump does not match its manifest (SHA-256 differs)")
    if kind == "tenant":
        if not isinstance(manifest.get("tables"), dict) or not isinstance(manifest.get("schema"), str):
            raise BackupError(f"{source.name}: manifest has no schema or tables")
        listed = manifest.get("files") or {}
        if set(listed) != set(files):
            missing = sorted(set(listed) ^ set(files))[0]
            raise BackupError(f"{source.name}: file {missing!r} is not both in the manifest and the bundle")
        for relative, path in files.items():
            if sha256_file(path) != listed[relative].get("sha256"):
                raise BackupError(f"{source.name}: file {relative!r} does not match its manifest (SHA-256 differs)")
    return OpenedBundle(manifest=manifest, dump=dump, files=files)


def database_bundle_create(*, output: Path) -> BundleResult:
    """The whole database (every schema, `public` included) in one encrypted bundle with a signed manifest of
    every schema's table stats. Files are not in it: each tenant's bundle carries that tenant's files."""
    output = Path(output)
    with tempfile.TemporaryDirectory(prefix="pm-backup-") as tmp:
        work = Path(tmp)
        dump = work / DATABASE_DUMP_NAME
        created_at = timezone.now().isoformat()
        schemas = dump_database(output=dump)
        manifest = sign_manifest(
            {
                "version": MANIFEST_VERSION,
                "kind": "database",
                "created_at": created_at,
                "dump_file": DATABASE_DUMP_NAME,
                "dump_sha256": sha256_file(dump),
                "schemas": schemas,
            }
        )
        partial = work / "bundle.pmbk"
        try:
            write_bundle(target=partial, manifest=manifest, dump=dump, dump_name=DATABASE_DUMP_NAME, files=iter(()))
        except BundleError as exc:
            raise BackupError(str(exc)) from exc
        size, digest = partial.stat().st_size, sha256_file(partial)
        if output.exists():
            raise BackupError(f"{output} already exists; refusing to overwrite it")
        staged = output.with_name(f".{output.name}.partial")
        shutil.move(partial, staged)
        staged.replace(output)
    return BundleResult(
        output=output,
        schema="",
        tables=sum(len(tables) for tables in schemas.values()),
        rows=sum(t["rows"] for tables in schemas.values() for t in tables.values()),
        files=0,
        size_bytes=size,
        sha256=digest,
    )
