"""Reads for accounting: list filters, `get_<entity>_for_user`, and customer balances."""

from __future__ import annotations

from decimal import Decimal

import django_filters
from django.db.models import F, QuerySet, Sum

from apps.partners.models import Customer, Supplier
from apps.records.selectors import (
    CodeOrIdFilter,
    RecordFilterSet,
    StableOrderingFilter,
    record_get_for_user,
    record_list,
)

from .models import ZERO, CustomerCredit, Invoice, Payment


class InvoiceFilter(RecordFilterSet):
    archived = None
    status = django_filters.ChoiceFilter(choices=Invoice.Status.choices)
    customer = CodeOrIdFilter(queryset=Customer.objects.filter(is_archived=False))
    due_from = django_filters.DateFilter(field_name="due_on", lookup_expr="gte", label="Due from")
    due_to = django_filters.DateFilter(field_name="due_on", lookup_expr="lte", label="Due to")
    ordering = StableOrderingFilter(fields=("number", "due_on", "issued_on", "status", "customer__name", "total"))

    class Meta:
        model = Invoice
        fields = ["status", "customer"]


class PaymentFilter(RecordFilterSet):
    archived = None
    kind = django_filters.ChoiceFilter(choices=Payment.Kind.choices)
    customer = CodeOrIdFilter(queryset=Customer.objects.filter(is_archived=False))
    supplier = CodeOrIdFilter(queryset=Supplier.objects.filter(is_archived=False))
    ordering = StableOrderingFilter(fields=("received_on", "amount"))

    class Meta:
        model = Payment
        fields = ["kind", "customer", "supplier"]


def invoice_queryset() -> QuerySet[Invoice]:
    return Invoice.objects.select_related("customer", "sales_order__ship_to").prefetch_related(
        "sales_order__lines__product", "allocations__payment"
    )


def invoice_list(*, filters=None) -> QuerySet[Invoice]:
    queryset = Invoice.objects.select_related("customer")
    return record_list(filterset_class=InvoiceFilter, queryset=queryset, filters=filters)


def get_invoice_for_user(*, user, pk) -> Invoice:
    return record_get_for_user(queryset=invoice_queryset(), user=user, pk=pk)


def payment_queryset() -> QuerySet[Payment]:
    return Payment.objects.select_related("customer", "supplier").prefetch_related(
        "allocations__invoice", "allocations__purchase_order"
    )


def payment_list(*, filters=None) -> QuerySet[Payment]:
    return record_list(filterset_class=PaymentFilter, queryset=payment_queryset(), filters=filters)


def get_payment_for_user(*, user, pk) -> Payment:
    return record_get_for_user(queryset=payment_queryset(), user=user, pk=pk)


def customer_open_balance(*, customer: Customer) -> Decimal:
    """Unpaid invoice balances (drafts included: the goods are delivered) less the customer's credits."""
    unpaid = Invoice.objects.filter(customer=customer, status__in=Invoice.UNPAID_STATUSES)
    owed = unpaid.aggregate(balance=Sum(F("total") - F("paid")))["balance"] or ZERO
    return owed - customer_credit_total(customer=customer)


def customer_credit_total(*, customer: Customer) -> Decimal:
    return CustomerCredit.objects.filter(customer=customer).aggregate(total=Sum("amount"))["total"] or ZERO
