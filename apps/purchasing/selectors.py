"""Reads for purchase orders: the list filter (pages and API share it) and `get_purchase_order_for_user`."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from apps.partners.models import Supplier
from apps.records.selectors import RecordFilterSet, StableOrderingFilter, record_get_for_user, record_list

from .models import PurchaseOrder


class PurchaseOrderFilter(RecordFilterSet):
    archived = None  # orders are cancelled, never archived
    status = django_filters.ChoiceFilter(choices=PurchaseOrder.Status.choices)
    supplier = django_filters.ModelChoiceFilter(queryset=Supplier.objects.filter(is_archived=False))
    pickup_from = django_filters.DateFilter(field_name="pickup_date", lookup_expr="gte", label="Pickup from")
    pickup_to = django_filters.DateFilter(field_name="pickup_date", lookup_expr="lte", label="Pickup to")
    ordering = StableOrderingFilter(fields=("number", "pickup_date", "status", "supplier__name"))

    class Meta:
        model = PurchaseOrder
        fields = ["status", "supplier"]


def purchase_order_queryset() -> QuerySet[PurchaseOrder]:
    return PurchaseOrder.objects.select_related("supplier", "plant", "carrier").prefetch_related("lines__product")


def purchase_order_list(*, filters=None) -> QuerySet[PurchaseOrder]:
    return record_list(filterset_class=PurchaseOrderFilter, queryset=purchase_order_queryset(), filters=filters)


def get_purchase_order_for_user(*, user, pk) -> PurchaseOrder:
    return record_get_for_user(queryset=purchase_order_queryset(), user=user, pk=pk)
