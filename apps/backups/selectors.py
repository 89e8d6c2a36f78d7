"""Reads about backups for the admin and the fleet page: a fixed number of queries whatever the fleet size."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet, Subquery

from .models import Backup, RestoreDrill


def last_backups(tenant_ids: Iterable[int]) -> dict[int, Backup]:
    """The newest backup of each of these tenants (one query)."""
    rows = (
        Backup.objects.filter(kind=Backup.Kind.TENANT, tenant_id__in=list(tenant_ids))
        .order_by("tenant_id", "-created_at", "-pk")
        .distinct("tenant_id")
    )
    return {backup.tenant_id: backup for backup in rows}


def last_verified_restores(tenant_ids: Iterable[int]) -> dict[int, RestoreDrill]:
    """The newest successful restore drill of each of these tenants (one query)."""
    rows = (
        RestoreDrill.objects.filter(kind=Backup.Kind.TENANT, ok=True, tenant_id__in=list(tenant_ids))
        .order_by("tenant_id", "-finished_at", "-pk")
        .distinct("tenant_id")
    )
    return {drill.tenant_id: drill for drill in rows}


def last_failed_drills(tenant_ids: Iterable[int]) -> dict[int, RestoreDrill]:
    """Each tenant's newest drill if it failed (one query): the fleet page flags these."""
    rows = (
        RestoreDrill.objects.filter(kind=Backup.Kind.TENANT, tenant_id__in=list(tenant_ids))
        .order_by("tenant_id", "-finished_at", "-pk")
        .distinct("tenant_id")
    )
    return {drill.tenant_id: drill for drill in rows if not drill.ok}


def with_backup_state(queryset: QuerySet) -> QuerySet:
    """Tenants annotated with `last_backup_at` and `last_verified_restore_at` (subqueries: no N+1)."""
    backups = Backup.objects.filter(kind=Backup.Kind.TENANT, tenant=OuterRef("pk")).order_by("-created_at")
    drills = RestoreDrill.objects.filter(kind=Backup.Kind.TENANT, ok=True, tenant=OuterRef("pk")).order_by(
        "-finished_at"
    )
    return queryset.annotate(
        last_backup_at=Subquery(backups.values("created_at")[:1]),
        last_verified_restore_at=Subquery(drills.values("finished_at")[:1]),
    )


@dataclass
class DatabaseBackupState:
    last_backup: Backup | None
    last_drill: RestoreDrill | None


def database_backup_state() -> DatabaseBackupState:
    """The newest whole-database backup and the newest drill of one (two queries)."""
    return DatabaseBackupState(
        last_backup=Backup.objects.filter(kind=Backup.Kind.DATABASE).order_by("-created_at", "-pk").first(),
        last_drill=RestoreDrill.objects.filter(kind=Backup.Kind.DATABASE).order_by("-finished_at", "-pk").first(),
    )
