"""Reads of the audit log: the filtered list behind the page, the CSV and the API; which schemas have one."""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass

from django.db.models import QuerySet
from django_tenants.utils import get_public_schema_name, get_tenant_model

from .models import AuditEvent


@dataclass(frozen=True)
class AuditFilters:
    action: str = ""
    actor_email: str = ""
    object_type: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


def _start_of_day(day: datetime.date, tz: datetime.tzinfo) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)


def audit_event_list(*, filters: AuditFilters, time_zone: str = "UTC") -> QuerySet[AuditEvent]:
    """Events of the active schema, newest first. Dates are whole days in `time_zone`, both inclusive."""
    try:
        tz = zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = datetime.UTC
    events = AuditEvent.objects.order_by("-id")
    if filters.action:
        # `order` matches order.create, order.confirm, ...; a full action name matches itself.
        events = events.filter(action__startswith=filters.action)
    if filters.actor_email:
        events = events.filter(actor_email__icontains=filters.actor_email)
    if filters.object_type:
        events = events.filter(object_type=filters.object_type)
    if filters.date_from:
        events = events.filter(created_at__gte=_start_of_day(filters.date_from, tz))
    if filters.date_to and filters.date_to < datetime.date.max:
        events = events.filter(created_at__lt=_start_of_day(filters.date_to + datetime.timedelta(days=1), tz))
    return events


def audited_schemas() -> list[str]:
    """`public` (platform events) followed by every tenant schema, in name order."""
    public = get_public_schema_name()
    tenants = get_tenant_model().objects.exclude(schema_name=public).order_by("schema_name")
    return [public, *tenants.values_list("schema_name", flat=True)]
