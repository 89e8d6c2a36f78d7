"""Report pages (HTML table, `?format=csv` for CSV), the report API, and the dashboard at `/`.

Every report reads `Report` from apps.reports.selectors; a bad parameter (date, grouping) is a 400 with the
field named, never a 500.
"""

from __future__ import annotations

import datetime
import html
from collections.abc import Callable
from decimal import Decimal

from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString, mark_safe
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from apps.accounts.permissions import Capability, HasCapability, capability_required
from apps.compliance import selectors as compliance_selectors
from backend.csv_safe import csv_writer
from backend.exceptions import ApplicationError
from backend.formatting import number, tenant_locale

from . import selectors
from .charts import bar_chart

# Reports count days back (aging buckets) and forward (payables horizon) from their dates: outside this
# range that arithmetic left the calendar (0001-01-01 or 9999-12-31 answered 500).
EARLIEST_REPORT_DATE, LATEST_REPORT_DATE = datetime.date(1900, 1, 1), datetime.date(2999, 12, 31)


def _date(params, name: str) -> datetime.date | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = datetime.date.fromisoformat(raw)
    except ValueError as exc:
        raise ApplicationError("Enter a date as YYYY-MM-DD.", field=name) from exc
    if not EARLIEST_REPORT_DATE <= value <= LATEST_REPORT_DATE:
        raise ApplicationError(
            f"Enter a date between {EARLIEST_REPORT_DATE:%Y-%m-%d} and {LATEST_REPORT_DATE:%Y-%m-%d}.", field=name
        )
    return value


def _ar_aging(params) -> selectors.Report:
    return selectors.ar_aging(as_of=_date(params, "as_of"))


def _payables(params) -> selectors.Report:
    raw = params.get("within_days") or "30"
    if not raw.isdigit() or int(raw) > 3660:
        raise ApplicationError("Enter a number of days (0–3660).", field="within_days")
    return selectors.payables_due(as_of=_date(params, "as_of"), within_days=int(raw))


def _margin(params) -> selectors.Report:
    by = params.get("by") or "customer"
    if by not in selectors.MARGIN_GROUPS:
        raise ApplicationError("Group by customer, product or month.", field="by")
    return selectors.margin_by(by=by, date_from=_date(params, "date_from"), date_to=_date(params, "date_to"))


def _open_orders(params) -> selectors.Report:
    return selectors.open_orders()


REPORTS: dict[str, tuple[str, Callable, list[str]]] = {
    "ar-aging": ("AR aging", _ar_aging, ["as_of"]),
    "payables-due": ("Payables due", _payables, ["as_of", "within_days"]),
    "margin": ("Margin", _margin, ["by", "date_from", "date_to"]),
    "open-orders": ("Open orders", _open_orders, []),
}


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _json(value):
    """Money as exact strings (like the other endpoints), dates as ISO strings."""
    return _cell(value) if isinstance(value, Decimal | datetime.date) else value


def _csv(report: selectors.Report, name: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = csv_writer(response)
    writer.writerow([label for _key, label in report.columns])
    for row in report.rows:
        writer.writerow([_cell(row.get(key)) for key, _label in report.columns])
    return response


def _td(value, locale: str) -> str:
    """One cell: amounts and counts right-aligned with the locale's separators, the rest escaped text."""
    if value is None:
        return "<td>—</td>"
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return f'<td class="num">{html.escape(number(value, locale))}</td>'
    return f"<td>{html.escape(_cell(value))}</td>"


def _table_body(report: selectors.Report) -> SafeString:
    """The table rows as HTML, built in Python: the AR aging of 2,000 customers is 18,000 cells, which the
    template engine took ~100 ms to loop over. Every value is escaped; None shows as a dash."""
    keys = [key for key, _label in report.columns]
    locale = tenant_locale()
    parts = []
    for row in report.rows:
        cells = [_td(row.get(key), locale) for key in keys]
        parts.append(f"<tr>{''.join(cells)}</tr>")
    # Every value above went through html.escape; the markup around it is ours.
    return mark_safe("".join(parts))  # noqa: S308


@capability_required(Capability.READ)
def report_index(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/index.html", {"reports": [(slug, title) for slug, (title, *_r) in REPORTS.items()]})


@capability_required(Capability.READ)
def report_page(request: HttpRequest, name: str) -> HttpResponse:
    if name not in REPORTS:
        raise Http404
    title, build, params = REPORTS[name]
    try:
        report = build(request.GET)
    except ApplicationError as exc:
        context = {"title": title, "name": name, "error": exc.message}
        return render(request, "reports/report.html", context, status=400)
    if request.GET.get("format") == "csv":
        return _csv(report, name)
    query = request.GET.copy()
    query["format"] = "csv"
    context = {
        "title": title,
        "name": name,
        "report": report,
        "body": _table_body(report),
        "totals": [report.totals.get(key) if report.totals else None for key, _label in report.columns],
        "headers": [
            {"label": label, "numeric": isinstance((report.rows[0] if report.rows else {}).get(key), Decimal | int)}
            for key, label in report.columns
        ],
        "fields": [
            {"name": param, "label": param.replace("_", " ").capitalize(), "value": request.GET.get(param, "")}
            for param in params
        ],
        "csv_query": query.urlencode(),
        "currency": connection.tenant.currency,
        "margin_groups": list(selectors.MARGIN_GROUPS),
    }
    return render(request, "reports/report.html", context)


@extend_schema(
    parameters=[
        OpenApiParameter("as_of", OpenApiTypes.DATE, description="ar-aging, payables-due: the day to age on"),
        OpenApiParameter("within_days", OpenApiTypes.INT, description="payables-due: horizon (default 30)"),
        OpenApiParameter("by", OpenApiTypes.STR, description="margin: customer, product or month"),
        OpenApiParameter("date_from", OpenApiTypes.DATE, description="margin: first delivery date"),
        OpenApiParameter("date_to", OpenApiTypes.DATE, description="margin: last delivery date"),
    ],
    responses={200: OpenApiTypes.OBJECT},
)
@api_view(["GET"])
@permission_classes([IsAuthenticated, HasCapability])
def report_api(request, name: str) -> Response:
    """A report as JSON: `columns` ([key, label]), `rows`, `totals`, `params`, `currency`."""
    if name not in REPORTS:
        raise ApplicationError("Not found.", code="not_found")
    report = REPORTS[name][1](request.query_params)
    return Response(
        {
            "title": report.title,
            "columns": report.columns,
            "rows": [{key: _json(value) for key, value in row.items()} for row in report.rows],
            "totals": {key: _json(value) for key, value in report.totals.items()},
            "params": {key: _cell(value) for key, value in report.params.items()},
            "currency": connection.tenant.currency,
        }
    )


@capability_required(Capability.READ)
def dashboard(request: HttpRequest) -> HttpResponse:
    figures = selectors.dashboard()
    chart = bar_chart(
        [(label, amount) for label, amount in figures.aging],
        title="Receivables by days past due",
        currency=connection.tenant.currency,
    )
    context = {
        "figures": figures,
        "chart": chart,
        "zero": Decimal("0"),
        # Countdowns to the next compliance due dates (PRODUCT.md §8).
        "countdowns": compliance_selectors.countdowns(limit=5),
    }
    return render(request, "reports/dashboard.html", context)
