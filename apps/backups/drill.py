"""Restore drills: prove a stored backup can be restored, without touching live data.

A drill fetches the bundle from the backups storage (or takes a local file), checks that it decrypts and
that its signature, dump SHA-256 and every file's SHA-256 verify (bundles.bundle_open), restores the dump
with pg_restore into a throwaway database, and compares the restored tables' row counts and checksums
with the manifest: every table of the tenant's schema, or of every schema for a whole-database backup.
The outcome is recorded as a `RestoreDrill` (the admin and the fleet page show the last verified one per
tenant); a failed drill is recorded with its one-line reason and raises DrillFailed, so the job fails too.
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path
from typing import Any

from apps.tenants.models import Client
from backend.backups import BackupError, scratch_restore_stats, stats_mismatch
from backend.clock import now

from .bundles import bundle_open
from .models import Backup, RestoreDrill
from .schedule import backup_storage

logger = logging.getLogger(__name__)


class DrillFailed(Exception):
    """The drill did not verify; the message is one line (also stored on the RestoreDrill)."""


def _verify(*, source: Path, kind: str, workdir: Path) -> tuple[str, dict[str, Any], int]:
    """(schema or "", stats as restored, files verified); BackupError naming the first problem."""
    bundle = bundle_open(source=source, workdir=workdir, kind=kind)
    manifest = bundle.manifest
    restored = scratch_restore_stats(dump=bundle.dump, whole=kind == Backup.Kind.DATABASE)
    if kind == Backup.Kind.TENANT:
        schema = manifest["schema"]
        mismatch = stats_mismatch(expected=manifest["tables"], actual=restored.get(schema, {}))
        if mismatch:
            raise BackupError(f"drill of {schema}: {mismatch}")
        return schema, restored[schema], len(bundle.files)
    expected = manifest.get("schemas") or {}
    missing = sorted(set(expected) - set(restored))
    if missing:
        raise BackupError(f"drill of the database: schema {missing[0]} is missing after restore")
    for schema in sorted(expected):
        mismatch = stats_mismatch(expected=expected[schema], actual=restored[schema])
        if mismatch:
            raise BackupError(f"drill of the database: schema {schema}: {mismatch}")
    merged = {f"{schema}.{table}": s for schema, tables in restored.items() for table, s in tables.items()}
    return "", merged, 0


def _record(*, backup: Backup | None, kind: str, schema: str, stats: dict, files: int, message: str, started: float):
    tenant = Client.objects.filter(schema_name=schema).first() if schema else None
    return RestoreDrill.objects.create(
        backup=backup,
        kind=kind,
        tenant=tenant,
        schema_name=schema,
        ok=not message,
        message=message or "verified: every table's rows and checksum, every file's SHA-256",
        tables=len(stats),
        rows=sum(s["rows"] for s in stats.values()),
        files=files,
        seconds=round(time.perf_counter() - started, 3),
        finished_at=now(),
    )


def _failed(message: str) -> DrillFailed:
    logger.error("restore drill failed: %s", message)
    return DrillFailed(message)


def bundle_drill(*, source: Path, kind: str = Backup.Kind.TENANT, backup: Backup | None = None) -> RestoreDrill:
    """Drill one bundle file; records and returns the RestoreDrill, raises DrillFailed if it did not verify."""
    started = time.perf_counter()
    schema, stats, files, message = (backup.schema_name if backup else ""), {}, 0, ""
    with tempfile.TemporaryDirectory(prefix="pm-drill-") as tmp:
        try:
            schema, stats, files = _verify(source=Path(source), kind=kind, workdir=Path(tmp))
        except BackupError as exc:
            message = str(exc)
    drill = _record(backup=backup, kind=kind, schema=schema, stats=stats, files=files, message=message, started=started)
    if message:
        raise _failed(message)
    return drill


def backup_drill(backup: Backup) -> RestoreDrill:
    """Fetch a stored backup from the backups storage and drill it."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="pm-drill-") as tmp:
        local = Path(tmp) / Path(backup.storage_name).name
        try:
            with backup_storage().open(backup.storage_name, "rb") as handle, local.open("wb") as out:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    out.write(chunk)
        except OSError as exc:
            message = f"cannot read {backup.storage_name} from the backups storage: {exc}"
            kind, schema = backup.kind, backup.schema_name
            _record(backup=backup, kind=kind, schema=schema, stats={}, files=0, message=message, started=started)
            raise _failed(message) from None
        return bundle_drill(source=local, kind=backup.kind, backup=backup)


def latest_backups_to_drill(*, tenants: int) -> list[Backup]:
    """The newest whole-database backup, and the newest backup of the `tenants` tenants drilled longest ago."""
    chosen: list[Backup] = []
    database = Backup.objects.filter(kind=Backup.Kind.DATABASE).order_by("-created_at", "-pk").first()
    if database is not None:
        chosen.append(database)
    latest = {
        backup.schema_name: backup
        for backup in Backup.objects.filter(kind=Backup.Kind.TENANT)
        .order_by("schema_name", "-created_at", "-pk")
        .distinct("schema_name")
    }
    last_drilled = dict(
        RestoreDrill.objects.filter(kind=Backup.Kind.TENANT)
        .order_by("schema_name", "-finished_at")
        .distinct("schema_name")
        .values_list("schema_name", "finished_at")
    )
    never = [schema for schema in sorted(latest) if schema not in last_drilled]
    oldest_first = sorted((schema for schema in latest if schema in last_drilled), key=lambda s: (last_drilled[s], s))
    order = never + oldest_first
    chosen.extend(latest[schema] for schema in order[:tenants])
    return chosen
