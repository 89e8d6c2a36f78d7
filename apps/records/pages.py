"""One page set per business resource: list, detail, create, edit, archive and optional CSV export/import.

A resource subclasses `RecordPages`, names its model, form, filterset, selectors and services, and lists its
columns; `urls()` returns the URL patterns. Every page also works without JavaScript; HTMX requests to the
list (`HX-Request` header) get only the table fragment.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
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

from .csv_io import csv_import, csv_response
from .selectors import RecordFilterSet


@dataclass(frozen=True)
class Column:
    """A value shown in a table or on a detail page; `field` may follow relations with dots."""

    field: str
    label: str
    sort: str = ""  # the ordering key the filterset accepts; empty = not sortable
    link: bool = False  # link the cell to the record's detail page

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
            "cells": [{"value": column.value(record), "link": column.link} for column in columns],
        }
        for record in records
    ]


def form_errors_from(exc: ApplicationError, form: forms.Form) -> None:
    """Show a service's refusal beside the field it names (or above the form)."""
    if exc.code == "permission_denied":
        raise PermissionDenied
    for name, messages_ in exc.as_dict().items():
        for message in messages_:
            form.add_error(name if name in form.fields else None, message)


class RecordPages:
    model: type[models.Model]
    form_class: type[forms.ModelForm]
    filterset_class: type[RecordFilterSet]
    url_prefix: str  # "suppliers" → /suppliers/
    name: str  # "supplier" → URL names supplier-list, supplier-detail, ...
    columns: list[Column]
    detail_fields: list[Column]
    list_selector: Callable[..., models.QuerySet]
    get_for_user: Callable[..., models.Model]
    create_service: Callable[..., models.Model]
    update_service: Callable[..., models.Model]
    archive_service: Callable[..., models.Model]
    csv_columns: list[str] = []
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

    def find_existing(self, data: dict[str, str]) -> models.Model | None:
        """CSV import: the stored record a row updates (matched by code), else None."""
        code = (data.get("code") or "").strip().upper()
        return self.model.objects.filter(code=code).first() if code else None

    def warnings(self, record: models.Model) -> list[str]:
        return []

    # --- plumbing ----------------------------------------------------------------------------------
    def urls(self) -> list[URLPattern]:
        prefix, name = self.url_prefix, self.name
        patterns = [
            path(f"{prefix}/", self.list_view, name=f"{name}-list"),
            path(f"{prefix}/new/", self.create_view, name=f"{name}-create"),
            path(f"{prefix}/<int:pk>/", self.detail_view, name=f"{name}-detail"),
            path(f"{prefix}/<int:pk>/edit/", self.edit_view, name=f"{name}-edit"),
            path(f"{prefix}/<int:pk>/archive/", self.archive_view, name=f"{name}-archive"),
        ]
        if self.csv_columns:
            patterns += [
                path(f"{prefix}/export.csv", self.export_view, name=f"{name}-export"),
                path(f"{prefix}/import/", self.import_view, name=f"{name}-import"),
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
            return self.get_for_user(user=request.user, pk=pk)
        except ApplicationError as exc:
            if exc.code == "permission_denied":
                raise PermissionDenied from exc
            raise Http404 from exc

    def _context(self, request: HttpRequest, **extra) -> dict:
        meta = self.model._meta
        context = {
            "title": str(meta.verbose_name_plural).capitalize(),
            "verbose_name": meta.verbose_name,
            "list_url": reverse(f"{self.name}-list"),
            "create_url": reverse(f"{self.name}-create"),
            "can_edit": has_capability(user=request.user, capability=Capability.EDIT),
            "has_csv": bool(self.csv_columns),
        }
        if self.csv_columns:
            context["export_url"] = reverse(f"{self.name}-export")
            context["import_url"] = reverse(f"{self.name}-import")
        context.update(extra)
        return context

    # --- views -------------------------------------------------------------------------------------
    def list_view(self, request: HttpRequest) -> HttpResponse:
        if refused := self._require(request, Capability.READ):
            return refused
        queryset = self.list_selector(filters=request.GET)
        page = Paginator(queryset, self.paginate_by).get_page(request.GET.get("page"))
        filter_form = self.filterset_class(request.GET).form
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
            headers.append({"label": column.label, "sort_url": sort_url, "state": state})
        params = request.GET.copy()
        params.pop("page", None)
        context = self._context(
            request,
            page=page,
            headers=headers,
            rows=_rows(page.object_list, self.columns, f"{self.name}-detail"),
            filter_form=filter_form,
            page_query=params.urlencode(),
            export_query=params.urlencode(),
        )
        template = self.table_template if request.headers.get("HX-Request") else self.list_template
        return render(request, template, context)

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
            fields=[{"label": column.label, "value": column.value(record)} for column in self.detail_fields],
            sections=sections,
            warnings=self.warnings(record),
            edit_url=reverse(f"{self.name}-edit", args=[record.pk]),
            archive_url=reverse(f"{self.name}-archive", args=[record.pk]),
        )
        return render(request, self.detail_template, context)

    def create_view(self, request: HttpRequest) -> HttpResponse:
        if refused := self._require(request, Capability.EDIT):
            return refused
        if request.method == "POST":
            form = self.form_class(request.POST)
            if form.is_valid():
                try:
                    record = self.create_service(user=request.user, data=form.cleaned_data)
                except ApplicationError as exc:
                    form_errors_from(exc, form)
                else:
                    messages.success(request, f"Created {record}.")
                    return redirect(f"{self.name}-detail", pk=record.pk)
        else:
            form = self.form_class(initial=request.GET.dict())
        context = self._context(
            request, form=form, heading=f"New {self.model._meta.verbose_name}", cancel_url=reverse(f"{self.name}-list")
        )
        return render(request, self.form_template, context, status=400 if form.errors else 200)

    def edit_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if refused := self._require(request, Capability.EDIT):
            return refused
        record = self._get(request, pk)
        if request.method == "POST":
            # The form validates a copy, so the service still diffs against the stored values.
            form = self.form_class(request.POST, instance=copy.copy(record))
            if form.is_valid():
                try:
                    record = self.update_service(user=request.user, record=record, data=form.cleaned_data)
                except ApplicationError as exc:
                    form_errors_from(exc, form)
                else:
                    messages.success(request, f"Saved {record}.")
                    return redirect(f"{self.name}-detail", pk=record.pk)
        else:
            form = self.form_class(instance=record)
        context = self._context(
            request,
            form=form,
            record=record,
            heading=f"Edit {record}",
            cancel_url=reverse(f"{self.name}-detail", args=[record.pk]),
        )
        return render(request, self.form_template, context, status=400 if form.errors else 200)

    def archive_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if refused := self._require(request, Capability.EDIT):
            return refused
        record = self._get(request, pk)
        error = ""
        if request.method == "POST":
            try:
                self.archive_service(user=request.user, record=record)
            except ApplicationError as exc:
                if exc.code == "permission_denied":
                    raise PermissionDenied from exc
                error = exc.message
            else:
                messages.success(request, f"Archived {record}.")
                return redirect(f"{self.name}-detail", pk=record.pk)
        context = self._context(
            request, record=record, error=error, cancel_url=reverse(f"{self.name}-detail", args=[record.pk])
        )
        return render(request, self.archive_template, context, status=400 if error else 200)

    def export_view(self, request: HttpRequest) -> HttpResponse:
        if refused := self._require(request, Capability.READ):
            return refused
        queryset = self.list_selector(filters=request.GET)
        return csv_response(queryset=queryset, columns=self.csv_columns, filename=f"{self.url_prefix}.csv")

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if refused := self._require(request, Capability.EDIT):
            return refused
        result, error, status = None, "", 200
        if request.method == "POST":
            try:
                result = self.run_import(user=request.user, upload=request.FILES.get("file"))
            except ApplicationError as exc:
                if exc.code == "permission_denied":
                    raise PermissionDenied from exc
                error, status = exc.message, 400
            else:
                if result.ok:
                    messages.success(request, f"Imported: {result.created} created, {result.updated} updated.")
                    return redirect(f"{self.name}-list")
                status = 400
        context = self._context(request, result=result, error=error, columns=",".join(self.csv_columns))
        return render(request, self.import_template, context, status=status)

    def run_import(self, *, user, upload):
        return csv_import(
            upload=upload,
            user=user,
            columns=self.csv_columns,
            form_class=self.form_class,
            find_existing=self.find_existing,
            create=self.create_service,
            update=self.update_service,
        )
