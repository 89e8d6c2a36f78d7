"""Partner account pages: a customer's balance, credit, aging, ledger, open invoices, credits and statement
(PDF, CSV, e-mail); a supplier's payables, open purchase orders, credits and ledger. A fixed number of
queries whatever the partner's history (asserted in the tests)."""

from __future__ import annotations

import datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from apps.accounting import ledgers
from apps.accounting.models import ZERO
from apps.accounts.permissions import Capability, has_capability
from apps.claims.models import Claim
from apps.partners.models import Customer, Supplier
from apps.reports.selectors import AGING_BUCKETS, customer_aging
from apps.sales.models import SalesOrder
from apps.sales.selectors import customer_credit_exposure
from backend.clock import tenant_today

from . import builders, rendering, selectors
from .forms import PeriodForm
from .models import DocumentSend
from .views import fetch, pdf_response, refuse, send_page


def default_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The current calendar month and the two before it."""
    month = today.month - 2
    year = today.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return datetime.date(year, month, 1), today


def period_from(request: HttpRequest) -> tuple[PeriodForm, tuple[datetime.date, datetime.date]]:
    start, end = default_period(tenant_today())
    data = request.GET if "start" in request.GET or "end" in request.GET else None
    form = PeriodForm(data, initial={"start": start, "end": end})
    if data is not None and form.is_valid():
        return form, (form.cleaned_data["start"], form.cleaned_data["end"])
    return form, (start, end)


LEDGER_PAGE = 100  # ledger rows on an account page; the statement PDF and CSV have the whole period


def page_number(request: HttpRequest) -> int:
    value = request.GET.get("page", "")
    return min(int(value), 10_000) if value.isdigit() and int(value) > 0 else 1


def _period_query(period: tuple[datetime.date, datetime.date]) -> str:
    return f"?start={period[0].isoformat()}&end={period[1].isoformat()}"


def customer_account(request: HttpRequest, pk: int) -> HttpResponse:
    if refused := refuse(request, Capability.READ):
        return refused
    customer = fetch(request, Customer.objects.all(), pk)
    form, period = period_from(request)
    today = tenant_today()
    exposure = customer_credit_exposure(customer=customer)
    aging_row = customer_aging(customer_id=customer.pk, as_of=today)
    open_invoices, open_count = ledgers.customer_open_invoices(customer=customer)
    query = _period_query(period)
    context = {
        "record": customer,
        "form": form,
        "period": period,
        "balance": aging_row["total"],
        "credit_limit": customer.credit_limit,
        "credit_used": exposure,
        "credit_available": customer.credit_limit - exposure,
        "aging": [(label, aging_row[key]) for key, label, *_ in AGING_BUCKETS],
        "on_account": aging_row["credits"],
        "ledger": ledgers.customer_ledger_page(
            customer=customer, start=period[0], end=period[1], page=page_number(request), per_page=LEDGER_PAGE
        ),
        "period_query": query,
        "open_invoices": open_invoices,
        "open_count": open_count,
        "open_list_url": f"{reverse('invoice-list')}?customer={customer.pk}&ordering=due_on",
        "credits": ledgers.customer_credits(customer=customer),
        "receipts": ledgers.customer_unallocated_receipts(customer=customer),
        "orders": list(
            SalesOrder.objects.filter(customer=customer)
            .exclude(status__in=[SalesOrder.Status.INVOICED, SalesOrder.Status.CANCELLED])
            .order_by("-delivery_date", "-pk")[:50]
        ),
        "claims": list(
            Claim.objects.filter(sales_line__order__customer=customer)
            .select_related("sales_line__order", "credit")
            .order_by("-created_at", "-pk")[:50]
        ),
        "statement_pdf_url": reverse("customer-statement-pdf", args=[customer.pk]) + query,
        "statement_csv_url": reverse("customer-statement-csv", args=[customer.pk]) + query,
        "statement_send_url": reverse("customer-statement-send", args=[customer.pk]) + query,
        "sends": selectors.document_sends(kind=DocumentSend.Kind.STATEMENT, object_id=customer.pk)[:10],
        "zero": ZERO,
        "can_approve": has_capability(user=request.user, capability=Capability.APPROVE),
    }
    return render(request, "documents/customer_account.html", context)


def _statement(request: HttpRequest, pk: int):
    customer = fetch(request, Customer.objects.all(), pk)
    _form, period = period_from(request)
    return customer, period, rendering.statement(customer=customer, start=period[0], end=period[1])


def statement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    if refused := refuse(request, Capability.READ):
        return refused
    _customer, _period, item = _statement(request, pk)
    return pdf_response(rendering.statement_pdf(item), item.filename, download="download" in request.GET)


def statement_csv(request: HttpRequest, pk: int) -> HttpResponse:
    if refused := refuse(request, Capability.READ):
        return refused
    _customer, _period, item = _statement(request, pk)
    response = HttpResponse(builders.statement_csv(item.ledger), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{item.filename.removesuffix(".pdf")}.csv"'
    return response


def statement_send(request: HttpRequest, pk: int) -> HttpResponse:
    if refused := refuse(request, Capability.APPROVE):
        return refused
    customer = fetch(request, Customer.objects.all(), pk)
    _form, period = period_from(request)
    query = _period_query(period)
    return send_page(
        request,
        record=customer,
        partner=customer,
        kind=DocumentSend.Kind.STATEMENT,
        number=f"{customer.code} {period[0].isoformat()}–{period[1].isoformat()}",
        back_url=reverse("customer-account", args=[customer.pk]) + query,
        pdf_url=reverse("customer-statement-pdf", args=[customer.pk]) + query,
        period=period,
    )


def supplier_account(request: HttpRequest, pk: int) -> HttpResponse:
    if refused := refuse(request, Capability.READ):
        return refused
    supplier = fetch(request, Supplier.objects.all(), pk)
    form, period = period_from(request)
    today = tenant_today()
    orders = ledgers.supplier_open_orders(supplier=supplier)
    for order in orders:
        order.days_late = (today - order.due_on).days if order.status != "draft" and order.due_on < today else 0
    context = {
        "record": supplier,
        "form": form,
        "period": period,
        "balance": ledgers.supplier_balance(supplier=supplier),
        "open_orders": orders,
        "payable": sum((order.open for order in orders if order.status != "draft"), ZERO),
        "credits": ledgers.supplier_credits(supplier=supplier),
        "unbilled": (unbilled := ledgers.supplier_received_not_billed(supplier=supplier)),
        "unbilled_total": sum((order.amount for order in unbilled), ZERO),
        "bills": ledgers.supplier_bills(supplier=supplier),
        "can_approve": has_capability(user=request.user, capability=Capability.APPROVE),
        "ledger": ledgers.supplier_ledger(supplier=supplier, start=period[0], end=period[1]),
    }
    return render(request, "documents/supplier_account.html", context)
