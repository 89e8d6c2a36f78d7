"""Reads for accounting: list filters, `get_<entity>_for_user`, and customer balances."""

from __future__ import annotations

import datetime
from decimal import Decimal

import django_filters
from django.db import connection
from django.db.models import F, QuerySet, Sum

from apps.partners.models import Customer, Supplier
from apps.records.selectors import (
    CodeOrIdFilter,
    RecordFilterSet,
    StableOrderingFilter,
    record_get_for_user,
    record_list,
)
from backend.clock import tenant_today

from .models import ZERO, CreditApplication, CustomerCredit, Invoice, Payment, PaymentAllocation


class InvoiceFilter(RecordFilterSet):
    archived = None
    status = django_filters.ChoiceFilter(choices=Invoice.Status.choices)
    customer = CodeOrIdFilter(queryset=Customer.objects.filter(is_archived=False))
    due_from = django_filters.DateFilter(field_name="due_on", lookup_expr="gte", label="Due from")
    due_to = django_filters.DateFilter(field_name="due_on", lookup_expr="lte", label="Due to")
    due = django_filters.ChoiceFilter(
        method="filter_due",
        choices=[("overdue", "Overdue"), ("this_week", "Due in the next 7 days")],
        label="Due",
    )
    ordering = StableOrderingFilter(fields=("number", "due_on", "issued_on", "status", "customer__name", "total"))

    def filter_due(self, queryset, name, value):
        """Open invoices past due, or due from today through six days ahead (the tenant's calendar)."""
        today = tenant_today()
        queryset = queryset.filter(status__in=Invoice.OPEN_STATUSES)
        if value == "overdue":
            return queryset.filter(due_on__lt=today)
        return queryset.filter(due_on__gte=today, due_on__lte=today + datetime.timedelta(days=6))

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
        "sales_order__lines__product", "allocations__payment", "credit_applications__credit"
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
    """Unpaid invoice balances (drafts included: the goods are delivered) less what the customer has on
    account: credits not yet applied to an invoice and receipts not allocated to one."""
    unpaid = Invoice.objects.filter(customer=customer, status__in=Invoice.UNPAID_STATUSES)
    owed = unpaid.aggregate(balance=Sum(F("total") - F("paid")))["balance"] or ZERO
    return owed - customer_unapplied(customer_ids=[customer.pk]).get(customer.pk, ZERO)


def customer_credit_total(*, customer: Customer) -> Decimal:
    return CustomerCredit.objects.filter(customer=customer).aggregate(total=Sum("amount"))["total"] or ZERO


def customer_unapplied(
    *, as_of: datetime.date | None = None, customer_ids: list[int] | None = None, with_open_invoices: bool = False
) -> dict[int, Decimal]:
    """Per customer, what is on account on `as_of` (every date when None): credits issued less the parts
    applied to invoices, plus receipts less the parts allocated to invoices. One query.

    `customer_ids` narrows to those customers; `with_open_invoices` to customers with an invoice open on
    `as_of` (the AR-aging rows)."""
    day = as_of or datetime.date.max
    names = {
        "credit": CustomerCredit._meta.db_table,
        "application": CreditApplication._meta.db_table,
        "payment": Payment._meta.db_table,
        "allocation": PaymentAllocation._meta.db_table,
        "invoice": Invoice._meta.db_table,
    }
    quoted = {key: connection.ops.quote_name(name) for key, name in names.items()}
    where, params = [], [day, day, Payment.Kind.RECEIPT, day, Payment.Kind.RECEIPT, day]
    if customer_ids is not None:
        where.append("customer_id = ANY(%s)")
        params.append(list(customer_ids))
    if with_open_invoices:
        where.append(
            f"customer_id IN (SELECT customer_id FROM {quoted['invoice']} WHERE status = ANY(%s) AND issued_on <= %s)"
        )
        params += [list(Invoice.OPEN_STATUSES), day]
    sql = (
        "SELECT customer_id, SUM(amount) FROM ("  # noqa: S608 — table names from the models, values as parameters
        f"SELECT customer_id, amount FROM {quoted['credit']} WHERE issued_on <= %s"
        f" UNION ALL SELECT c.customer_id, -a.amount FROM {quoted['application']} a"
        f" JOIN {quoted['credit']} c ON c.id = a.credit_id WHERE a.applied_on <= %s"
        f" UNION ALL SELECT customer_id, amount FROM {quoted['payment']} WHERE kind = %s AND received_on <= %s"
        f" UNION ALL SELECT p.customer_id, -l.amount FROM {quoted['allocation']} l"
        f" JOIN {quoted['payment']} p ON p.id = l.payment_id WHERE p.kind = %s AND p.received_on <= %s"
        ") on_account" + (f" WHERE {' AND '.join(where)}" if where else "") + " GROUP BY customer_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {customer_id: amount for customer_id, amount in cursor.fetchall() if amount}
