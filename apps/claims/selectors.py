"""Reads for claims: the list filter and `get_claim_for_user`."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from apps.records.selectors import RecordFilterSet, StableOrderingFilter, record_get_for_user, record_list

from .models import Claim


class ClaimFilter(RecordFilterSet):
    archived = None
    status = django_filters.ChoiceFilter(choices=Claim.Status.choices)
    reason = django_filters.ChoiceFilter(choices=Claim.Reason.choices)
    against = django_filters.ChoiceFilter(
        choices=[("sales", "Sales order lines"), ("purchase", "Purchase order lines")],
        method="filter_against",
        label="Against",
    )
    ordering = StableOrderingFilter(fields=("created_at", "amount", "status"))

    class Meta:
        model = Claim
        fields = ["status", "reason", "against"]

    def filter_against(self, queryset: QuerySet[Claim], name: str, value: str) -> QuerySet[Claim]:
        return queryset.filter(purchase_line__isnull=value != "purchase")


def claim_queryset() -> QuerySet[Claim]:
    return Claim.objects.select_related(
        "sales_line__product",
        "sales_line__order__customer",
        "purchase_line__product",
        "purchase_line__order__supplier",
        "credit",
        "supplier_credit",
    )


def claim_list(*, filters=None) -> QuerySet[Claim]:
    return record_list(filterset_class=ClaimFilter, queryset=claim_queryset(), filters=filters)


def get_claim_for_user(*, user, pk) -> Claim:
    return record_get_for_user(queryset=claim_queryset(), user=user, pk=pk)
