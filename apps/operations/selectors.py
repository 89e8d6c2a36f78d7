"""What the fleet page, the plan page and /metrics read. A fixed number of queries whatever the fleet's size."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, Max, Q, QuerySet, Sum
from django_tenants.utils import get_public_schema_name

from apps.backups.models import Backup, RestoreDrill
from apps.backups.selectors import (
    DatabaseBackupState,
    database_backup_state,
    last_backups,
    last_failed_drills,
    last_verified_restores,
)
from apps.tenants.models import Client, PooledSchema
from backend.clock import now, platform_today

from .models import FleetCheck, TenantUsage

FLEET_PAGE_SIZE = 100
TOP_TENANTS = 10
RECENT_DAYS = 7


def _tenants() -> QuerySet[Client]:
    return Client.objects.exclude(schema_name=get_public_schema_name())


def latest_fleet_check() -> FleetCheck | None:
    return FleetCheck.objects.order_by("-checked_at").first()


def job_queue_depth() -> list[tuple[str, str, int]]:
    """(queue, status, jobs) for jobs waiting or running; one query on procrastinate's table."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT queue_name, status::text, count(*) FROM {connection.ops.quote_name(get_public_schema_name())}"
            ".procrastinate_jobs WHERE status IN ('todo', 'doing') GROUP BY 1, 2 ORDER BY 1, 2"
        )
        return [(queue, status, count) for queue, status, count in cursor.fetchall()]


def fleet_gauges() -> dict[str, list[tuple[dict[str, str], float]]]:
    """The scrape-time gauges of backend.metrics.FleetCollector (four small queries)."""
    previous = connection.schema_name
    connection.set_schema_to_public()
    try:
        tenants = [
            ({"status": row["status"], "plan": row["plan"]}, float(row["n"]))
            for row in _tenants().values("status", "plan").annotate(n=Count("id")).order_by("status", "plan")
        ]
        queue = [({"queue": q, "status": s}, float(n)) for q, s, n in job_queue_depth()]
        gauges = {
            "tenants": tenants,
            "tenant_warm_pool_size": [({}, float(PooledSchema.objects.count()))],
            "job_queue_depth": queue,
        }
        check = latest_fleet_check()
        if check is not None:
            gauges["schemas_behind"] = [({}, float(len(check.schemas_behind)))]
            gauges["fleet_check_age_seconds"] = [({}, (now() - check.checked_at).total_seconds())]
        return gauges
    finally:
        if connection.schema_name != previous:
            connection.set_schema(previous)


def tenant_usage_recent(tenant: Client, *, days: int = 30) -> list[TenantUsage]:
    """The tenant's own usage rows, newest first (its plan page)."""
    since = platform_today() - datetime.timedelta(days=days - 1)
    return list(TenantUsage.objects.filter(tenant=tenant, day__gte=since).order_by("-day"))


@dataclass
class FleetRow:
    tenant: Client
    requests_7d: int = 0
    api_calls_7d: int = 0
    last_active: datetime.date | None = None
    members: int | None = None
    storage_bytes: int = 0
    rows: int | None = None
    behind: int = 0
    last_backup: Backup | None = None
    last_verified_restore: RestoreDrill | None = None
    failed_drill: RestoreDrill | None = None  # the tenant's newest drill, when it failed


@dataclass
class FleetOverview:
    total: int
    by_status: list[tuple[str, int]]
    by_plan: list[tuple[str, int]]
    pool_size: int
    queue: list[tuple[str, str, int]]
    check: FleetCheck | None
    top: list[tuple[Client, int, int]]
    page: Page
    rows: list[FleetRow] = field(default_factory=list)
    database_backups: DatabaseBackupState | None = None


def _row_estimates(schemas: list[str]) -> dict[str, int]:
    """Estimated rows per schema (the planner's statistics: no table is scanned)."""
    if not schemas:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname, sum(greatest(c.reltuples, 0))::bigint FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname = ANY(%s) "
            "GROUP BY n.nspname",
            [schemas],
        )
        return dict(cursor.fetchall())


def fleet_overview(
    *, page: int | str = 1, status: str = "", plan: str = "", search: str = "", behind_only: bool = False
) -> FleetOverview:
    """Everything the fleet page shows: summaries of the whole fleet, then one page of tenants."""
    tenants = _tenants()
    by_status = list(tenants.values_list("status").annotate(n=Count("id")).order_by("status"))
    by_plan = list(tenants.values_list("plan").annotate(n=Count("id")).order_by("plan"))
    total = sum(n for _status, n in by_status)
    check = latest_fleet_check()
    behind = check.schemas_behind if check else {}
    since = platform_today() - datetime.timedelta(days=RECENT_DAYS - 1)
    top_rows = list(
        TenantUsage.objects.filter(day__gte=since)
        .values("tenant")
        .annotate(requests=Sum("requests"), api_calls=Sum("api_calls"))
        .filter(requests__gt=0)
        .order_by("-requests", "tenant")[:TOP_TENANTS]
    )
    names = Client.objects.in_bulk([row["tenant"] for row in top_rows])
    top = [(names[row["tenant"]], row["requests"], row["api_calls"]) for row in top_rows if row["tenant"] in names]

    listed = tenants.order_by("name", "pk")
    if status:
        listed = listed.filter(status=status)
    if plan:
        listed = listed.filter(plan=plan)
    if search:
        listed = listed.filter(Q(name__icontains=search) | Q(schema_name__icontains=search))
    if behind_only:
        listed = listed.filter(schema_name__in=list(behind))
    page_obj = Paginator(listed.only(*PAGE_FIELDS), FLEET_PAGE_SIZE).get_page(page)
    on_page = list(page_obj.object_list)
    ids = [tenant.pk for tenant in on_page]
    recent = {
        row["tenant"]: row
        for row in TenantUsage.objects.filter(tenant__in=ids, day__gte=since)
        .values("tenant")
        .annotate(requests=Sum("requests"), api_calls=Sum("api_calls"))
    }
    last = {
        row["tenant"]: row
        for row in TenantUsage.objects.filter(tenant__in=ids)
        .values("tenant")
        .annotate(last_active=Max("day", filter=Q(requests__gt=0)), latest=Max("day"))
    }
    latest_days = {(tenant_id, row["latest"]) for tenant_id, row in last.items()}
    members = {
        tenant_id: count
        for tenant_id, day, count in TenantUsage.objects.filter(
            tenant__in=ids, day__in={d for _t, d in latest_days}
        ).values_list("tenant", "day", "members")
        if (tenant_id, day) in latest_days
    }
    estimates = _row_estimates([tenant.schema_name for tenant in on_page])
    backups, verified, failed = last_backups(ids), last_verified_restores(ids), last_failed_drills(ids)
    rows = [
        FleetRow(
            tenant=tenant,
            requests_7d=(recent.get(tenant.pk) or {}).get("requests") or 0,
            api_calls_7d=(recent.get(tenant.pk) or {}).get("api_calls") or 0,
            last_active=(last.get(tenant.pk) or {}).get("last_active"),
            members=members.get(tenant.pk),
            storage_bytes=tenant.storage_bytes_used,
            rows=estimates.get(tenant.schema_name),
            behind=behind.get(tenant.schema_name, 0),
            last_backup=backups.get(tenant.pk),
            last_verified_restore=verified.get(tenant.pk),
            failed_drill=failed.get(tenant.pk),
        )
        for tenant in on_page
    ]
    return FleetOverview(
        total=total,
        by_status=by_status,
        by_plan=by_plan,
        pool_size=PooledSchema.objects.count(),
        queue=job_queue_depth(),
        check=check,
        top=top,
        page=page_obj,
        rows=rows,
        database_backups=database_backup_state(),
    )


PAGE_FIELDS = ("id", "schema_name", "name", "status", "plan", "storage_bytes_used", "created_at")
