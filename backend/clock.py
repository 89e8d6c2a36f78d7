"""The one clock: "now" and "today" for the platform (UTC) and for the current tenant (its `time_zone`).

Business rules, filters, reports, reminders and templates ask here, never the machine clock directly,
so a tenant's evening work lands on its own date and tests can pin time in one place (time-machine
moves every reading below). The tenant is the connection's (django-tenants sets it per request, job
and command); anything without one — the public schema, a bare script — is on the platform's UTC.
"""

from __future__ import annotations

import datetime
import functools
import time
import zoneinfo

from django.db import connection
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, get_tenant_model

UTC = datetime.UTC
# Zone names of tenants reached through `schema_context` (which puts a FakeTenant without a time zone on
# the connection): schema → (zone name, expiry on the monotonic clock). `forget_zone` drops an entry when
# a tenant changes; the expiry bounds staleness in other processes.
_ZONE_SECONDS = 60.0
_zones_by_schema: dict[str, tuple[str, float]] = {}


@functools.lru_cache(maxsize=256)
def zone_named(name: str | None) -> zoneinfo.ZoneInfo:
    """The zone called `name`, or UTC when the name is empty or unknown (a bad setting never crashes a page)."""
    try:
        return zoneinfo.ZoneInfo(name) if name else zoneinfo.ZoneInfo("UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def tenant_zone(tenant=None) -> zoneinfo.ZoneInfo:
    """The time zone of `tenant`, or of the connection's tenant; UTC on the public schema (the platform)."""
    tenant = tenant if tenant is not None else getattr(connection, "tenant", None)
    schema = getattr(tenant, "schema_name", None)
    if tenant is None or schema == get_public_schema_name():
        return zone_named("UTC")
    name = getattr(tenant, "time_zone", None)
    if name is None and schema:
        name = _zone_name_for_schema(schema)
    return zone_named(name or "")


def _zone_name_for_schema(schema: str) -> str:
    cached = _zones_by_schema.get(schema)
    if cached and cached[1] > time.monotonic():
        return cached[0]
    name = get_tenant_model().objects.filter(schema_name=schema).values_list("time_zone", flat=True).first() or "UTC"
    _zones_by_schema[schema] = (name, time.monotonic() + _ZONE_SECONDS)
    return name


def forget_zone(schema: str) -> None:
    """Drop the remembered zone of `schema` (call when a tenant changes)."""
    _zones_by_schema.pop(schema, None)


def now() -> datetime.datetime:
    """The current instant, timezone-aware (UTC). Store this; convert for display with `local`."""
    return timezone.now()


def platform_today() -> datetime.date:
    """Today's date on the platform's calendar (UTC): retention, backups, fleet reports."""
    return now().date()


def tenant_now(tenant=None) -> datetime.datetime:
    """The current instant as wall-clock time in the tenant's zone."""
    return now().astimezone(tenant_zone(tenant))


def tenant_today(tenant=None) -> datetime.date:
    """Today's date on the tenant's calendar: due dates, overdue, "this month", document years."""
    return tenant_now(tenant).date()


def local(moment: datetime.datetime, tenant=None) -> datetime.datetime:
    """`moment` as wall-clock time in the tenant's zone (naive values are taken as UTC)."""
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tenant_zone(tenant))


def local_date(moment: datetime.datetime, tenant=None) -> datetime.date:
    """The tenant's calendar date on which `moment` happened (an evening in Chicago is not tomorrow)."""
    return local(moment, tenant).date()


def day_bounds(day: datetime.date, tenant=None) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) of the tenant's calendar day `day` as aware instants, for filtering timestamps by date."""
    zone = tenant_zone(tenant)
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    return start, end


def tenant_time(tenant=None):
    """Context manager: render and parse times in the tenant's zone (e-mails and work outside a request)."""
    return timezone.override(tenant_zone(tenant))


def month_bounds(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last calendar day of the month that contains `day` (both inclusive)."""
    first = day.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, following - datetime.timedelta(days=1)
