"""One page set per business resource: list, detail, create, edit, archive and optional CSV export/import.

A resource subclasses `RecordPages`, points `resource` at its `RecordResource` and lists its columns;
`urls()` returns the URL patterns. Every page also works without JavaScript; HTMX requests to the
list (`HX-Request` header) get only the table fragment.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse

from apps.accounts.permissions import Capability, has_capability
from backend.exceptions import ApplicationError

from .csv_io import csv_template_response
from .resources import RecordResource

NUMERIC_KINDS = ("money", "number")


@dataclass(frozen=True)
class Column:
    """A value shown in a table or on a detail page; `field` may follow relations with dots."""

    field: str
    label: str
    sort: str = ""  # the ordering key the filterset accepts; empty = not sortable
    link: bool = False  # link the cell to the record's detail page
    kind: str = ""  # "money" / "number": right-aligned, formatted (apps/ui tags); "status" (auto): a badge
    total: bool = False  # a stored number summed over the whole filtered list in the table's totals row
    sum: Any = None  # what the totals row sums when the value is computed (e.g. F("total") - F("paid"))

    @property
    def cell_kind(self) -> str:
        return self.kind or ("status" if self.field == "status" else "")

    def cell(self, record: Any) -> dict:
        kind = self.cell_kind
        return {
            "value": self.value(record),
            "link": self.link,
            "kind": kind,
            "record": record if kind == "status" else None,
        }

    def value(self, record: Any) -> Any:
        *path_parts, last = self.field.split(".")
        target = record
        for part in path_parts:
            target = getattr(target, part, None)
            if target is None:
                return ""
        display = getattr(target, f"get_{last}_display", None)
        value = display() if callable(display) else getattr(target, last, "")
        if isinstance(value, bool):
            return "Yes" if value else "No"
        return "" if value is None else value


@dataclass
class Section:
    """Related records shown on a detail page (a supplier's plants, a customer's locations)."""

    title: str
    columns: list[Column]
    records: list[Any]
    detail_url_name: str
    add_url: str = ""
    rows: list[dict] = field(default_factory=list)


def _rows(records, columns: list[Column], detail_url_name: str) -> list[dict]:
    return [
        {
            "url": reverse(detail_url_name, args=[record.pk]),
            "cells": [column.cell(record) for column in columns],
        }
        for record in records
    ]


CONFIRMED = "yes"


def confirmation(
    request: HttpRequest, *, danger: bool, label: str, record: Any, action_url: str, cancel_url: str
) -> dict | None:
    """A destructive step asks first: unless the POST carries `confirmed=yes` (the button of the server-
    rendered dialog, partials/confirm.html), the context for that dialog; None once confirmed or harmless."""
    if not danger or request.POST.get("confirmed") == CONFIRMED:
        return None
    return {
        "title": f"{label}: {record}?",
        "question": f"{label} {record}? This cannot be undone.",
        "action_url": action_url,
        "button": label,
        "cancel_url": cancel_url,
    }


def form_errors_from(exc: ApplicationError, form: forms.Form) -> None:
    """Show a service's refusal beside the field it names (or above the form)."""
    if exc.code == "permission_denied":
        raise PermissionDenied
    for name, messages_ in exc.as_dict().items():
        for message in messages_:
            form.add_error(name if name in form.fields else None, message)


class RecordPages:
    resource: RecordResource
    columns: list[Column]
    detail_fields: list[Column]
    paginate_by = 25
    list_template = "records/list.html"
    table_template = "partials/record_table.html"
    detail_template = "records/detail.html"
    form_template = "records/form.html"
    archive_template = "records/archive.html"
    import_template = "records/import.html"

    # --- hooks -------------------------------------------------------------------------------------
    def related(self, record: models.Model) -> list[Section]:
        return []

    def warnings(self, record: models.Model) -> list[str]:
        return []

    def links(self, record: models.Model) -> list[tuple[str, str]]:
        """(label, url) of pages about the record shown beside its heading (a customer's account)."""
        return []

    # --- plumbing ----------------------------------------------------------------------------------
    def urls(self) -> list[URLPattern]:
        prefix, name = self.resource.path, self.resource.name
        patterns = [
            path(f"{prefix}/", self.list_view, name=f"{name}-list"),
            path(f"{prefix}/new/", self.create_view, name=f"{name}-create"),
            path(f"{prefix}/<int:pk>/", self.detail_view, name=f"{name}-detail"),
            path(f"{prefix}/<int:pk>/edit/", self.edit_view, name=f"{name}-edit"),
            path(f"{prefix}/<int:pk>/archive/", self.archive_view, name=f"{name}-archive"),
        ]
        if self.resource.csv_columns:
            patterns += [
                path(f"{prefix}/export.csv", self.export_view, name=f"{name}-export"),
                path(f"{prefix}/import/", self.import_view, name=f"{name}-import"),
                path(f"{prefix}/import/template.csv", self.import_template_view, name=f"{name}-import-template"),
            ]
        return patterns

    def _require(self, request: HttpRequest, capability: Capability) -> HttpResponse | None:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not has_capability(user=request.user, capability=capability):
            raise PermissionDenied
        return None

    def _get(self, request: HttpRequest, pk: int) -> models.Model:
        try:
            return self.resource.get_for_user(user=request.user, pk=pk)
        except ApplicationError as exc:
            if exc.code == "permission_denied":
                raise PermissionDenied from exc
            raise Http404 from exc

    def _context(self, request: HttpRequest, **extra) -> dict:
        meta = self.resource.model._meta
        context = {
            "title": str(meta.verbose_name_plural).capitalize(),
            "title_lower": str(meta.verbose_name_plural).lower(),
            "verbose_name": meta.verbose_name,
            "list_url": reverse(f"{self.resource.name}-list"),
            "create_url": reverse(f"{self.resource.name}-create"),
            "can_edit": has_capability(user=request.user, capability=Capability.EDIT),
            "has_csv": bool(self.resource.csv_columns),
        }
        if self.resource.csv_columns:
            context["export_url"] = reverse(f"{self.resource.name}-export")
            context["import_url"] = reverse(f"{self.resource.name}-import")
        context.update(extra)
        return context

    # --- views -------------------------------------------------------------------------------------
    def list_view(self, request: HttpRequest) -> HttpResponse:
        if refused := self._require(request, Capability.READ):
            return refused
        queryset = self.resource.list(filters=request.GET)
        paginator = Paginator(queryset, self.paginate_by)
        totals = self._totals(queryset, paginator)
        page = paginator.get_page(request.GET.get("page"))
        filter_form = self.resource.filterset_class(request.GET).form
        current = request.GET.get("ordering", "")
        headers = []
        for column in self.columns:
            sort_url = ""
            if column.sort:
                params = request.GET.copy()
                params.pop("page", None)
                params["ordering"] = f"-{column.sort}" if current == column.sort else column.sort
                sort_url = "?" + params.urlencode()
            state = "ascending" if current == column.sort else "descending" if current == f"-{column.sort}" else ""
            headers.append(
                {"label": column.label, "sort_url": sort_url, "state": state, "numeric": column.kind in NUMERIC_KINDS}
            )
        params = request.GET.copy()
        params.pop("page", None)
        context = self._context(
            request,
            page=page,
            totals=totals,
            headers=headers,
            rows=_rows(page.object_list, self.columns, f"{self.resource.name}-detail"),
            filter_form=filter_form,
            page_query=params.urlencode(),
            export_query=params.urlencode(),
            filtered=any(value for key, value in params.items() if key != "ordering"),
        )
        template = self.table_template if request.headers.get("HX-Request") else self.list_template
        return render(request, template, context)

    def _totals(self, queryset: models.QuerySet, paginator: Paginator) -> list[dict] | None:
        """The totals row over the whole filtered list (not just this page), or None. The sums ride on the
        paginator's COUNT query, so a list with totals costs no extra query."""
        # Aliases unlike any field name: F("total") in a `sum` expression must mean the column, not a sum.
        summed = {
            f"_sum_{column.field}": models.Sum(column.sum or column.field) for column in self.columns if column.total
        }
        if not summed:
            return None
        sums = queryset.order_by().aggregate(_rows=models.Count("pk"), **summed)
        paginator.count = sums["_rows"]  # a cached_property: the paginator does not count again
        return [
            {"value": sums[f"_sum_{column.field}"], "kind": column.kind}
            if column.total
            else {"value": None, "kind": ""}
            for column in self.columns
        ]

    def detail_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if refused := self._require(request, Capability.READ):
            return refused
        record = self._get(request, pk)
        sections = self.related(record)
        for section in sections:
            section.rows = _rows(section.records, section.columns, section.detail_url_name)
        context = self._context(
            request,
            record=record,
            fields=[{"label": column.label, **column.cell(record)} for column in self.detail_fields],
            sections=sections,
            warnings=self.warnings(record),
            links=self.links(record),
            edit_url=reverse(f"{self.resource.name}-edit", args=[record.pk]),
            archive_url=reverse(f"{self.resource.name}-archive", args=[record.pk]),
        )
        return render(request, self.detail_template, context)

    def create_view(self, request: HttpRequest) -> HttpResponse:
        if refused := self._require(request, Capability.EDIT):
            return refused
        form_class = self.resource.form_class
        form = form_class(request.POST) if request.method == "POST" else form_class(initial=request.GET.dict())
        saved = self._save(request, form, lambda data: self.resource.create(user=request.user, data=data))
        return saved or self._render_form(
            request,
            form,
            heading=f"New {self.resource.model._meta.verbose_name}",
            cancel_url=reverse(f"{self.resource.name}-list"),
        )

    def edit_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if refused := self._require(request, Capability.EDIT):
            return refused
        record = self._get(request, pk)
        # The form validates a copy, so the service still diffs against the stored values.
        form = self.resource.form_class(request.POST or None, instance=copy.copy(record))
        saved = self._save(
            request, form, lambda data: self.resource.update(user=request.user, record=record, data=data)
        )
        return saved or self._render_form(
            request,
            form,
            record=record,
            heading=f"Edit {record}",
            cancel_url=reverse(f"{self.resource.name}-detail", args=[record.pk]),
        )

    def _save(self, request: HttpRequest, form: forms.ModelForm, write) -> HttpResponse | None:
        """POST with a valid form: call the service and go to the record; else None (show the form)."""
        if request.method != "POST" or not form.is_valid():
            return None
        try:
            record = write(form.cleaned_data)
        except ApplicationError as exc:
            form_errors_from(exc, form)
            return None
        messages.success(request, f"Saved {record}.")
        return redirect(f"{self.resource.name}-detail", pk=record.pk)

    def _render_form(self, request: HttpRequest, form: forms.ModelForm, **extra) -> HttpResponse:
        context = self._context(request, form=form, **extra)
        return render(request, self.form_template, context, status=400 if form.errors else 200)

    def archive_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if refused := self._require(request, Capability.EDIT):
            return refused
        record = self._get(request, pk)
        error = ""
        if request.method == "POST":
            try:
                self.resource.archive(user=request.user, record=record)
            except ApplicationError as exc:
                if exc.code == "permission_denied":
                    raise PermissionDenied from exc
                error = exc.message
            else:
                messages.success(request, f"Archived {record}.")
                return redirect(f"{self.resource.name}-detail", pk=record.pk)
        context = self._context(
            request, record=record, error=error, cancel_url=reverse(f"{self.resource.name}-detail", args=[record.pk])
        )
        return render(request, self.archive_template, context, status=400 if error else 200)

    def export_view(self, request: HttpRequest) -> HttpResponse:
        if refused := self._require(request, Capability.READ):
            return refused
        queryset = self.resource.list(filters=request.GET)
        return self.resource.export_csv(queryset)

    def import_template_view(self, request: HttpRequest) -> HttpResponse:
        """The header row the import expects, as a CSV file to fill in."""
        if refused := self._require(request, Capability.EDIT):
            return refused
        return csv_template_response(
            columns=self.resource.csv_columns, filename=f"{self.resource.path}-import-template.csv"
        )

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if refused := self._require(request, Capability.EDIT):
            return refused
        result, error, status = None, "", 200
        if request.method == "POST":
            try:
                result = self.resource.import_csv(upload=request.FILES.get("file"), user=request.user)
            except ApplicationError as exc:
                if exc.code == "permission_denied":
                    raise PermissionDenied from exc
                error, status = exc.message, 400
            else:
                if result.ok:
                    messages.success(request, f"Imported: {result.created} created, {result.updated} updated.")
                    return redirect(f"{self.resource.name}-list")
                status = 400
        context = self._context(
            request,
            result=result,
            error=error,
            columns=",".join(self.resource.csv_columns),
            template_url=reverse(f"{self.resource.name}-import-template"),
        )
        return render(request, self.import_template, context, status=status)
