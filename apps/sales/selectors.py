"""Reads for sales orders: the list filter, `get_sales_order_for_user`, what is left to sell on a purchase
line, and a customer's credit exposure."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import django_filters
from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from apps.partners.models import Customer
from apps.purchasing.models import PurchaseOrder, PurchaseOrderLine
from apps.records.selectors import RecordFilterSet, StableOrderingFilter, record_get_for_user, record_list

from .models import SalesOrder, SalesOrderLine

# Purchase lines that can be sold from: the supplier has the order (confirmed) or it has arrived.
SOURCEABLE_PO_STATUSES = (PurchaseOrder.Status.CONFIRMED, PurchaseOrder.Status.RECEIVED, PurchaseOrder.Status.CLOSED)


class SalesOrderFilter(RecordFilterSet):
    archived = None  # orders are cancelled, never archived
    status = django_filters.ChoiceFilter(choices=SalesOrder.Status.choices)
    customer = django_filters.ModelChoiceFilter(queryset=Customer.objects.filter(is_archived=False))
    delivery_from = django_filters.DateFilter(field_name="delivery_date", lookup_expr="gte", label="Delivery from")
    delivery_to = django_filters.DateFilter(field_name="delivery_date", lookup_expr="lte", label="Delivery to")
    ordering = StableOrderingFilter(fields=("number", "delivery_date", "status", "customer__name", "total"))

    class Meta:
        model = SalesOrder
        fields = ["status", "customer"]


def sales_order_queryset() -> QuerySet[SalesOrder]:
    return SalesOrder.objects.select_related("customer", "ship_to").prefetch_related(
        "lines__product", "lines__source__order"
    )


def sales_order_list(*, filters=None) -> QuerySet[SalesOrder]:
    return record_list(filterset_class=SalesOrderFilter, queryset=sales_order_queryset(), filters=filters)


def get_sales_order_for_user(*, user, pk) -> SalesOrder:
    return record_get_for_user(queryset=sales_order_queryset(), user=user, pk=pk)


def sourceable_purchase_lines(
    *, available_only: bool = False, keep: Iterable[int] = (), any_status: bool = False
) -> QuerySet[PurchaseOrderLine]:
    """Purchase lines of live purchase orders (of any order with `any_status`), each annotated with
    `cases_left` (cases not yet sold on a non-cancelled sales line). `available_only` keeps those with cases
    left, plus the ids in `keep` (the lines an order being edited already sells from)."""
    sold = (
        SalesOrderLine.objects.filter(source=OuterRef("pk"))
        .exclude(order__status=SalesOrder.Status.CANCELLED)
        .values("source")
        .annotate(cases=Sum("cases"))
        .values("cases")
    )
    lines = (
        (
            PurchaseOrderLine.objects.all()
            if any_status
            else PurchaseOrderLine.objects.filter(order__status__in=SOURCEABLE_PO_STATUSES)
        )
        .annotate(cases_left=F("cases") - Coalesce(Subquery(sold), Value(0)))
        .select_related("order", "product")
        .order_by("-order__number", "pk")
    )
    if available_only:
        lines = lines.filter(Q(cases_left__gt=0) | Q(pk__in=[pk for pk in keep if pk]))
    return lines


class SourceLineFilter(django_filters.FilterSet):
    available = django_filters.BooleanFilter(method="filter_available", label="Only lines that can be sold from")
    product = django_filters.NumberFilter(field_name="product_id")
    supplier = django_filters.NumberFilter(field_name="order__supplier_id")
    purchase_order = django_filters.NumberFilter(field_name="order_id")

    class Meta:
        model = PurchaseOrderLine
        fields = ["product", "supplier", "purchase_order"]

    def filter_available(self, queryset, name, value):
        """Lines a sales line can be sold from now: a live purchase order with cases left."""
        return queryset.filter(cases_left__gt=0, order__status__in=SOURCEABLE_PO_STATUSES) if value else queryset


def allocated_on(*, source: PurchaseOrderLine, excluding_order: SalesOrder | None = None) -> tuple[int, Decimal]:
    """Cases and weight already sold from `source` on orders that are not cancelled."""
    lines = SalesOrderLine.objects.filter(source=source).exclude(order__status=SalesOrder.Status.CANCELLED)
    if excluding_order is not None and excluding_order.pk:
        lines = lines.exclude(order=excluding_order)
    totals = lines.aggregate(cases=Sum("cases"), weight=Sum("weight"))
    return totals["cases"] or 0, totals["weight"] or Decimal("0.00")


def customer_open_orders_total(*, customer: Customer, excluding_order: SalesOrder | None = None) -> Decimal:
    """Confirmed, shipped or delivered (not yet invoiced) orders: they count against the credit limit."""
    orders = SalesOrder.objects.filter(customer=customer, status__in=SalesOrder.OPEN_STATUSES)
    if excluding_order is not None:
        orders = orders.filter(~Q(pk=excluding_order.pk))
    return orders.aggregate(total=Sum("total"))["total"] or Decimal("0.00")


def customer_credit_exposure(*, customer: Customer, excluding_order: SalesOrder | None = None) -> Decimal:
    """What the customer owes or has committed to: unpaid invoice balances + confirmed uninvoiced orders."""
    # Imported here: accounting builds on sales (invoices are raised from sales orders).
    from apps.accounting.selectors import customer_open_balance

    return customer_open_balance(customer=customer) + customer_open_orders_total(
        customer=customer, excluding_order=excluding_order
    )
