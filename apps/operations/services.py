"""Writing usage and fleet checks. Each is one statement (or one check) whatever the fleet's size."""

from __future__ import annotations

import datetime
import time

from django.db import connection
from django_tenants.utils import get_public_schema_name

from apps.accounts.models import Membership
from apps.tenants.models import Client
from backend.clock import now, platform_today
from backend.migration_state import schemas_behind, tenant_schema_names
from backend.usage import Counts

from .models import FleetCheck, TenantUsage

# Checks older than this are deleted when a new one is stored (one per 10 minutes: a week's worth).
FLEET_CHECKS_KEPT = 1000


def _table(model) -> str:
    return f"{connection.ops.quote_name(get_public_schema_name())}.{connection.ops.quote_name(model._meta.db_table)}"


def usage_write_counts(counts: Counts) -> None:
    """Add request and API-call counts {(schema, day): [requests, api_calls]} to the usage rows (upsert)."""
    if not counts:
        return
    schemas, days, requests, api_calls = [], [], [], []
    for (schema, day), (n_requests, n_api) in sorted(counts.items()):
        schemas.append(schema)
        days.append(day)
        requests.append(n_requests)
        api_calls.append(n_api)
    usage = _table(TenantUsage)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {usage} AS u (tenant_id, day, requests, api_calls, storage_bytes, members, updated_at) "
            "SELECT c.id, v.day, v.requests, v.api_calls, 0, 0, %s "
            "FROM unnest(%s::text[], %s::date[], %s::bigint[], %s::bigint[]) "
            "AS v(schema_name, day, requests, api_calls) "
            f"JOIN {_table(Client)} c ON c.schema_name = v.schema_name "
            "ON CONFLICT (tenant_id, day) DO UPDATE SET requests = u.requests + EXCLUDED.requests, "
            "api_calls = u.api_calls + EXCLUDED.api_calls, updated_at = EXCLUDED.updated_at",
            [now(), schemas, days, requests, api_calls],
        )


def usage_snapshot(*, day: datetime.date | None = None) -> int:
    """Every tenant's storage and active members on `day` (today, UTC): a usage row per tenant per day."""
    day = day or platform_today()
    usage, members = _table(TenantUsage), _table(Membership)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {usage} AS u (tenant_id, day, requests, api_calls, storage_bytes, members, updated_at) "
            "SELECT c.id, %s, 0, 0, c.storage_bytes_used, "
            f"(SELECT count(*) FROM {members} m WHERE m.tenant_id = c.id AND m.is_active), %s "
            f"FROM {_table(Client)} c WHERE c.schema_name <> %s "
            "ON CONFLICT (tenant_id, day) DO UPDATE SET storage_bytes = EXCLUDED.storage_bytes, "
            "members = EXCLUDED.members, updated_at = EXCLUDED.updated_at",
            [day, now(), get_public_schema_name()],
        )
        return cursor.rowcount


def fleet_check_run() -> FleetCheck:
    """Check every schema's migrations now (two catalog queries) and store the outcome."""
    previous = connection.schema_name
    connection.set_schema_to_public()
    try:
        started = time.perf_counter()
        behind = schemas_behind()
        tenants = len(tenant_schema_names())
        check = FleetCheck.objects.create(
            checked_at=now(),
            tenants=tenants,
            schemas_behind=dict(sorted(behind.items())),
            duration_ms=round((time.perf_counter() - started) * 1000, 1),
        )
        stale = FleetCheck.objects.order_by("-checked_at").values_list("pk", flat=True)[FLEET_CHECKS_KEPT:]
        FleetCheck.objects.filter(pk__in=list(stale)).delete()
        return check
    finally:
        if connection.schema_name != previous:
            connection.set_schema(previous)
