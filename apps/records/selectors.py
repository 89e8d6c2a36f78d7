"""Generic reads: one FilterSet base (search, archived, stable ordering) shared by pages and the API."""

from __future__ import annotations

from typing import TypeVar

import django_filters
from django.db import models

from apps.accounts.permissions import Capability, require_capability
from backend.exceptions import ApplicationError

Record = TypeVar("Record", bound=models.Model)


class StableOrderingFilter(django_filters.OrderingFilter):
    """Ordering that always ends on the primary key, so pages never repeat or skip rows."""

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        ordering = list(qs.query.order_by) or list(qs.model._meta.ordering)
        if "pk" not in ordering and "id" not in ordering and "-id" not in ordering:
            qs = qs.order_by(*ordering, "pk")
        return qs


class RecordFilterSet(django_filters.FilterSet):
    """Subclasses declare `ordering = StableOrderingFilter(fields=...)`; the model has a `search_text`.

    `q` matches every whitespace-separated term (up to five) case-insensitively anywhere in the model's
    `search_text` (see apps.records.models.search_document); archived records are hidden unless
    `archived=true` (only archived) or `archived=all`.
    """

    q = django_filters.CharFilter(method="search", label="Search")
    archived = django_filters.ChoiceFilter(
        method="filter_archived",
        choices=[("true", "Archived only"), ("all", "Active and archived")],
        empty_label="Active only",
        label="Show",
    )

    def search(self, queryset, name, value):
        for term in value.split()[:5]:
            queryset = queryset.filter(search_text__contains=term.upper())
        return queryset

    def filter_archived(self, queryset, name, value):
        return queryset.filter(is_archived=True) if value == "true" else queryset

    @property
    def qs(self):
        queryset = super().qs
        archived_given = self.is_bound and self.form.is_valid() and self.form.cleaned_data.get("archived")
        if not archived_given:
            queryset = queryset.filter(is_archived=False)
        if not queryset.query.order_by:
            queryset = queryset.order_by(*queryset.model._meta.ordering, "pk")
        return queryset


def record_list(*, filterset_class: type[RecordFilterSet], queryset, filters=None):
    """Apply the filterset to `queryset`; invalid filter values are ignored (the form reports them)."""
    return filterset_class(filters or {}, queryset=queryset).qs


def record_get_for_user(*, queryset: models.QuerySet[Record], user, pk) -> Record:
    """Fetch one record the user may read; a missing id and another tenant's id look the same (404).

    Each tenant's records live in its own schema, so another tenant's id is simply absent here.
    """
    require_capability(user=user, capability=Capability.READ)
    try:
        return queryset.get(pk=int(pk))
    except (queryset.model.DoesNotExist, TypeError, ValueError) as exc:
        raise ApplicationError("Not found.", code="not_found") from exc
