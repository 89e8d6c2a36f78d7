"""Accounting pages: invoices (list, printable detail, create from a sales order, issue, void) and payments
(list, detail, record with allocations)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import path, reverse

from apps.accounts.permissions import Capability, has_capability
from apps.records.csv_io import csv_response
from apps.records.pages import Column, RecordPages, confirmation, form_errors_from
from apps.records.resources import RecordResource
from apps.sales.selectors import get_sales_order_for_user
from backend.exceptions import ApplicationError

from . import forms, selectors, services
from .models import Invoice, Payment

INVOICES = RecordResource(
    model=Invoice,
    form_class=None,  # invoices are created from a delivered sales order, not a form
    filterset_class=selectors.InvoiceFilter,
    queryset=selectors.invoice_queryset,
    list=selectors.invoice_list,
    get_for_user=selectors.get_invoice_for_user,
    create=services.invoice_create,
    update=None,
    archive=None,
)
PAYMENTS = RecordResource(
    model=Payment,
    form_class=forms.PaymentForm,
    filterset_class=selectors.PaymentFilter,
    queryset=selectors.payment_queryset,
    list=selectors.payment_list,
    get_for_user=selectors.get_payment_for_user,
    create=services.payment_record,
    update=None,
    archive=None,
)
INVOICE_CSV = ["number", "status", "customer", "issued_on", "due_on", "total", "paid", "balance"]
PAYMENT_CSV = ["kind", "customer", "supplier", "received_on", "amount", "reference"]
INVOICE_TRANSITIONS = {
    "issue": ("Issue", (Invoice.Status.DRAFT,), services.invoice_issue),
    "void": ("Void", (Invoice.Status.DRAFT, Invoice.Status.ISSUED), services.invoice_void),
}


class AccountingPages(RecordPages):
    csv_columns: list[str]

    def _context(self, request: HttpRequest, **extra) -> dict:
        context = super()._context(request, **extra)
        context.update(
            has_csv=True,
            export_url=reverse(f"{self.resource.name}-export"),
            currency=connection.tenant.currency,
            can_edit=has_capability(user=request.user, capability=Capability.APPROVE),
        )
        return context

    def export_view(self, request: HttpRequest) -> HttpResponse:
        if refused := self._require(request, Capability.READ):
            return refused
        queryset = self.resource.list(filters=request.GET)
        return csv_response(queryset=queryset, columns=self.csv_columns, filename=f"{self.resource.path}.csv")


class InvoicePages(AccountingPages):
    resource = INVOICES
    csv_columns = INVOICE_CSV
    columns = [
        Column("number", "Number", sort="number", link=True),
        Column("status", "Status", sort="status"),
        Column("customer.name", "Customer", sort="customer__name"),
        Column("issued_on", "Issued", sort="issued_on"),
        Column("due_on", "Due", sort="due_on"),
        Column("days_late", "Days late", kind="number"),
        Column("total", "Total", sort="total", kind="money", total=True),
        Column("balance", "Open", kind="money", total=True, sum=F("total") - F("paid")),
    ]

    def urls(self):
        return [
            path("invoices/", self.list_view, name="invoice-list"),
            path("invoices/new/", self.create_view, name="invoice-create"),
            path("invoices/export.csv", self.export_view, name="invoice-export"),
            path("invoices/<int:pk>/", self.detail_view, name="invoice-detail"),
            path("invoices/<int:pk>/<str:verb>/", self.transition_view, name="invoice-transition"),
        ]

    def _context(self, request: HttpRequest, **extra) -> dict:
        context = super()._context(request, **extra)
        context["can_edit"] = False  # invoices are created from a delivered sales order's page
        return context

    def detail_view(
        self, request: HttpRequest, pk: int, error: str = "", status: int = 200, confirm: dict | None = None
    ) -> HttpResponse:
        if refused := self._require(request, Capability.READ):
            return refused
        invoice = self._get(request, pk)
        can_approve = has_capability(user=request.user, capability=Capability.APPROVE)
        actions = [
            {"verb": verb, "label": label, "url": reverse("invoice-transition", args=[invoice.pk, verb])}
            for verb, (label, statuses, _service) in INVOICE_TRANSITIONS.items()
            if can_approve and invoice.status in statuses
        ]
        context = self._context(
            request,
            record=invoice,
            order=invoice.sales_order,
            lines=list(invoice.sales_order.lines.all()),
            allocations=list(invoice.allocations.all()),
            credit_applications=list(invoice.credit_applications.all()),
            can_approve=can_approve,
            actions=actions,
            error=error,
            confirm=confirm,
            can_record_payment=can_approve and invoice.status in Invoice.OPEN_STATUSES,
        )
        return render(request, "accounting/invoice_detail.html", context, status=status)

    def create_view(self, request: HttpRequest) -> HttpResponse:
        if refused := self._require(request, Capability.APPROVE):
            return refused
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        try:
            order = get_sales_order_for_user(user=request.user, pk=request.POST.get("sales_order"))
        except ApplicationError as exc:
            raise Http404 from exc
        try:
            invoice = services.invoice_create(user=request.user, sales_order=order)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("salesorder-detail", pk=order.pk)
        messages.success(request, f"Created {invoice}.")
        return redirect("invoice-detail", pk=invoice.pk)

    def transition_view(self, request: HttpRequest, pk: int, verb: str) -> HttpResponse:
        if verb not in INVOICE_TRANSITIONS:
            raise Http404
        if refused := self._require(request, Capability.APPROVE):
            return refused
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        invoice = self._get(request, pk)
        if confirm := confirmation(
            request,
            danger=verb == "void",
            label=INVOICE_TRANSITIONS[verb][0],
            record=invoice,
            action_url=request.path,
            cancel_url=reverse("invoice-detail", args=[invoice.pk]),
        ):
            return self.detail_view(request, pk, confirm=confirm)
        try:
            INVOICE_TRANSITIONS[verb][2](invoice=invoice, user=request.user)
        except ApplicationError as exc:
            if exc.code == "permission_denied":
                raise PermissionDenied from exc
            return self.detail_view(request, pk, error=exc.message, status=400)
        messages.success(request, f"{invoice} is now {invoice.get_status_display().lower()}.")
        return redirect("invoice-detail", pk=invoice.pk)


class PaymentPages(AccountingPages):
    resource = PAYMENTS
    csv_columns = PAYMENT_CSV
    columns = [
        Column("received_on", "Date", sort="received_on", link=True),
        Column("kind", "Kind"),
        Column("partner", "From / to"),
        Column("amount", "Amount", sort="amount", kind="money"),
        Column("reference", "Reference"),
    ]

    def urls(self):
        return [
            path("payments/", self.list_view, name="payment-list"),
            path("payments/new/", self.create_view, name="payment-create"),
            path("payments/export.csv", self.export_view, name="payment-export"),
            path("payments/<int:pk>/", self.detail_view, name="payment-detail"),
        ]

    def detail_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if refused := self._require(request, Capability.READ):
            return refused
        payment = self._get(request, pk)
        context = self._context(request, record=payment, allocations=list(payment.allocations.all()))
        return render(request, "accounting/payment_detail.html", context)

    def create_view(self, request: HttpRequest) -> HttpResponse:
        if refused := self._require(request, Capability.APPROVE):
            return refused
        if request.method == "POST":
            form = forms.PaymentForm(request.POST)
            formset = forms.AllocationFormSet(
                request.POST, prefix="allocations", form_kwargs=forms.partner_ids(request.POST)
            )
        else:
            form = forms.PaymentForm(initial=request.GET.dict())
            formset = forms.AllocationFormSet(
                prefix="allocations",
                initial=self._initial_allocations(request),
                form_kwargs=forms.partner_ids(request.GET),
            )
        if request.method == "POST" and form.is_valid() and formset.is_valid():
            data = {name: form.cleaned_data[name] for name in forms.PaymentForm.Meta.fields}
            try:
                payment = services.payment_record(
                    user=request.user, data=data, allocations=forms.allocation_data(formset)
                )
            except ApplicationError as exc:
                form_errors_from(exc, form)
            else:
                messages.success(request, f"Recorded {payment}.")
                return redirect("payment-detail", pk=payment.pk)
        has_errors = bool(form.errors) or any(formset.errors)
        context = self._context(
            request, form=form, formset=formset, heading="Record payment", cancel_url=reverse("payment-list")
        )
        return render(request, "accounting/payment_form.html", context, status=400 if has_errors else 200)

    def _initial_allocations(self, request: HttpRequest) -> list[dict]:
        invoice_id = request.GET.get("invoice")
        if not invoice_id:
            return []
        try:
            invoice = selectors.get_invoice_for_user(user=request.user, pk=invoice_id)
        except ApplicationError:
            return []
        return [{"invoice": invoice.pk, "amount": invoice.balance}]
