"""Generic reads: one FilterSet base (search, archived, stable ordering) shared by pages and the API."""

from __future__ import annotations

from typing import TypeVar

import django_filters
from django import forms
from django.core.exceptions import ValidationError
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


class BoundedSelect(forms.Select):
    """A select that lists at most `limit` records; above that it renders a text box for the record's code.

    A tenant with 2,000 customers would otherwise render 2,000 `<option>`s on every list page (the invoice
    list took ~280 ms for it). Either way it costs one query: `limit + 1` rows, never the whole table.
    """

    limit = 200

    def render(self, name, value, attrs=None, renderer=None):
        iterator = self.choices
        rows = list(iterator.queryset[: self.limit + 1])
        if len(rows) > self.limit:
            text_attrs = {**self.attrs, "placeholder": "Code", "autocomplete": "off", "size": 12}
            return forms.TextInput(attrs=text_attrs).render(name, value, attrs, renderer)
        empty = [("", iterator.field.empty_label)] if iterator.field.empty_label is not None else []
        self.choices = empty + [iterator.choice(row) for row in rows]
        try:
            return super().render(name, value, attrs, renderer)
        finally:
            self.choices = iterator


class CodeOrIdChoiceField(forms.ModelChoiceField):
    """Accepts a record's code (case-insensitive; the page's text box) or its id (the API, links).
    A code wins over an id that happens to look the same."""

    widget = BoundedSelect

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip()
        found = self.queryset.filter(code=text.upper()).first()
        if found is not None:
            return found
        if text.isdigit():
            return super().to_python(text)
        raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")


class CodeOrIdFilter(django_filters.ModelChoiceFilter):
    """A partner filter (customer, supplier, …) that stays light with thousands of partners."""

    field_class = CodeOrIdChoiceField


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
