"""The tenant's audit log for admins and owners: filterable list and streamed CSV export (AUD-05)."""

from __future__ import annotations

import json
from collections.abc import Iterator

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.accounts.permissions import Capability, capability_required
from backend.chunks import keyset_iterator
from backend.csv_safe import csv_writer

from .chain import RECORD_FIELDS
from .forms import AuditFilterForm
from .models import AuditEvent
from .selectors import audit_event_list

PAGE_SIZE = 50
CSV_COLUMNS = list(RECORD_FIELDS)


def _filtered(request: HttpRequest) -> tuple[AuditFilterForm, QuerySet[AuditEvent] | None]:
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, None
    return form, audit_event_list(filters=form.filters(), time_zone=request.tenant.time_zone)


def _invalid(request: HttpRequest, form: AuditFilterForm) -> HttpResponse:
    return render(request, "audit/event_list.html", {"form": form, "page_obj": None}, status=400)


@capability_required(Capability.ADMINISTER)
def event_list(request: HttpRequest) -> HttpResponse:
    form, events = _filtered(request)
    if events is None:
        return _invalid(request, form)
    page_obj = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "audit/event_list.html", {"form": form, "page_obj": page_obj})


class _Echo:
    """csv.writer target that hands each formatted line back instead of buffering it."""

    def write(self, value: str) -> str:
        return value


def _cell(value) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)  # formulas are defused by backend.csv_safe


def _csv_lines(events: QuerySet[AuditEvent], tenant) -> Iterator[str]:
    writer = csv_writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    # The body streams after the view returns; pin the schema for the whole iteration.
    with tenant_context(tenant):
        # Keyset chunks: bounded memory without a server-side cursor (none behind the pooler).
        for row in keyset_iterator(events.values_list(*CSV_COLUMNS), chunk_size=2000):
            values = dict(zip(CSV_COLUMNS, row, strict=True))
            values["created_at"] = values["created_at"].isoformat()
            values["changes"] = json.dumps(values["changes"], sort_keys=True, ensure_ascii=False)
            yield writer.writerow([_cell(values[column]) for column in CSV_COLUMNS])


@capability_required(Capability.ADMINISTER)
def event_export(request: HttpRequest) -> HttpResponse:
    form, events = _filtered(request)
    if events is None:
        return _invalid(request, form)
    filename = f"audit-{request.tenant.schema_name}-{timezone.now():%Y%m%d-%H%M%S}.csv"
    response = StreamingHttpResponse(_csv_lines(events, request.tenant), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
