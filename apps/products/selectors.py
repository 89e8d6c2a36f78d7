"""Reads for products: the FilterSet shared by pages and API, the list and `get_product_for_user`."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from apps.records.selectors import RecordFilterSet, StableOrderingFilter, record_get_for_user, record_list

from .models import Product


class ProductFilter(RecordFilterSet):
    protein = django_filters.ChoiceFilter(choices=Product.Protein.choices)
    storage = django_filters.ChoiceFilter(choices=Product.Storage.choices)
    weight_type = django_filters.ChoiceFilter(choices=Product.WeightType.choices)
    is_edible = django_filters.ChoiceFilter(
        method="filter_edible", choices=[("true", "Edible"), ("false", "Inedible")], label="Edible"
    )
    ordering = StableOrderingFilter(fields=("code", "description", "namp_code", "case_weight", "updated_at"))

    class Meta:
        model = Product
        fields = ["protein", "storage", "weight_type", "is_edible"]

    def filter_edible(self, queryset, name, value):
        return queryset.filter(is_edible=value == "true")


def product_queryset() -> QuerySet[Product]:
    return Product.objects.all()


def product_list(*, filters=None) -> QuerySet[Product]:
    return record_list(filterset_class=ProductFilter, queryset=product_queryset(), filters=filters)


def get_product_for_user(*, user, pk) -> Product:
    return record_get_for_user(queryset=product_queryset(), user=user, pk=pk)
