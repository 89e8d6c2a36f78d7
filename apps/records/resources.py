"""A business resource in one declaration: its model, page form, filterset, selectors and services.

The app keeps its named functions (`supplier_create`, `get_supplier_for_user`, ...) as its public API;
`RecordResource.of(...)` finds them by naming convention, so pages, API and CSV wiring cannot drift apart
and a missing function fails at import time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

from django import forms
from django.db import models
from django.http import StreamingHttpResponse

from .csv_io import ImportResult, csv_import, csv_response
from .selectors import RecordFilterSet


@dataclass(frozen=True)
class RecordResource:
    model: type[models.Model]
    form_class: type[forms.ModelForm]
    filterset_class: type[RecordFilterSet]
    queryset: Callable[[], models.QuerySet]
    list: Callable[..., models.QuerySet]
    get_for_user: Callable[..., models.Model]
    create: Callable[..., models.Model]
    update: Callable[..., models.Model]
    archive: Callable[..., models.Model]
    csv: bool = False

    @classmethod
    def of(
        cls, model: type[models.Model], *, forms: ModuleType, selectors: ModuleType, services: ModuleType, csv=False
    ) -> RecordResource:
        name, label = model._meta.model_name, model.__name__
        return cls(
            model=model,
            form_class=getattr(forms, f"{label}Form"),
            filterset_class=getattr(selectors, f"{label}Filter"),
            queryset=getattr(selectors, f"{name}_queryset"),
            list=getattr(selectors, f"{name}_list"),
            get_for_user=getattr(selectors, f"get_{name}_for_user"),
            create=getattr(services, f"{name}_create"),
            update=getattr(services, f"{name}_update"),
            archive=getattr(services, f"{name}_archive"),
            csv=csv,
        )

    @property
    def name(self) -> str:
        """URL name stem: `supplier` → supplier-list, supplier-detail, ..."""
        return self.model._meta.model_name

    @property
    def path(self) -> str:
        """URL path segment for pages and API: `suppliers`."""
        return str(self.model._meta.verbose_name_plural).replace(" ", "-")

    @property
    def csv_columns(self) -> list[str]:
        return list(self.form_class.Meta.fields) if self.csv else []

    def find_by_code(self, data: dict[str, str]) -> models.Model | None:
        """CSV import: the stored record (archived or not) a row updates, matched by code."""
        code = (data.get("code") or "").strip().upper()
        return self.model.objects.filter(code=code).first() if code else None

    def export_csv(self, queryset: models.QuerySet) -> StreamingHttpResponse:
        return csv_response(queryset=queryset, columns=self.csv_columns, filename=f"{self.path}.csv")

    def import_csv(self, *, upload, user) -> ImportResult:
        return csv_import(
            upload=upload,
            user=user,
            columns=self.csv_columns,
            form_class=self.form_class,
            find_existing=self.find_by_code,
            create=self.create,
            update=self.update,
        )
