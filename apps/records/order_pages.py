"""Pages for order-like documents (a header, lines and a status machine): list (filters, sort, CSV),
detail with the transition buttons the role may use, draft create/edit with a line formset, and one POST
endpoint per transition. Purchase and sales orders subclass `OrderPages`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import connection, models
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse

from apps.accounts.permissions import Capability, has_capability
from backend.exceptions import ApplicationError

from .csv_io import csv_response
from .pages import RecordPages, confirmation, form_errors_from

ADD_ROWS = "add_rows"
# A line's dependent field changed (HTMX): re-render the rows as typed, nothing saved.
REFRESH_ROWS = "refresh_rows"


MAX_ROWS = 200


def _typed_rows(formset, *, keep_positions: bool = False) -> list[dict]:
    """For "More lines": the rows typed so far (not removed, not empty), as initial values for new rows.
    With `keep_positions` (a row's field refreshed by HTMX) every row stays where it was, empty or not, so
    the swapped field is found under its own id."""
    rows = []
    for form in formset.forms[:MAX_ROWS]:
        if form.data.get(form.add_prefix("DELETE")) and not keep_positions:
            continue
        row = {name: form.data.get(form.add_prefix(name), "") for name in form.fields if name != "DELETE"}
        if keep_positions or any(value not in (None, "") for value in row.values()):
            rows.append(row)
    return rows


@dataclass(frozen=True)
class Transition:
    verb: str
    label: str
    statuses: tuple[str, ...]  # where the button shows; the service decides
    service: Callable[..., Any]
    danger: bool = False


class OrderPages(RecordPages):
    form_class: type[forms.ModelForm]
    formset_class: type[forms.BaseFormSet]
    line_data: Callable[[forms.BaseFormSet], list[dict]]
    initial_lines: Callable[[models.Model], list[dict]]
    transitions: list[Transition]
    csv_columns: list[str]
    detail_template: str
    form_template = "records/order_form.html"

    def transition_kwargs(self, request: HttpRequest, verb: str) -> dict[str, Any]:
        return {}

    def detail_extra(self, request: HttpRequest, order: models.Model) -> dict[str, Any]:
        return {}

    # --- plumbing ----------------------------------------------------------------------------------
    def urls(self) -> list[URLPattern]:
        prefix, name = self.resource.path, self.resource.name
        return [
            path(f"{prefix}/", self.list_view, name=f"{name}-list"),
            path(f"{prefix}/new/", self.create_view, name=f"{name}-create"),
            path(f"{prefix}/export.csv", self.export_view, name=f"{name}-export"),
            path(f"{prefix}/<int:pk>/", self.detail_view, name=f"{name}-detail"),
            path(f"{prefix}/<int:pk>/edit/", self.edit_view, name=f"{name}-edit"),
            path(f"{prefix}/<int:pk>/<str:verb>/", self.transition_view, name=f"{name}-transition"),
        ]

    def _context(self, request: HttpRequest, **extra) -> dict:
        context = super()._context(request, **extra)
        context.update(
            has_csv=True, export_url=reverse(f"{self.resource.name}-export"), currency=connection.tenant.currency
        )
        return context

    def export_view(self, request: HttpRequest) -> HttpResponse:
        if refused := self._require(request, Capability.READ):
            return refused
        return csv_response(
            queryset=self.resource.list(filters=request.GET),
            columns=self.csv_columns,
            filename=f"{self.resource.path}.csv",
        )

    def detail_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if refused := self._require(request, Capability.READ):
            return refused
        return self._render_detail(request, self._get(request, pk))

    def _render_detail(
        self, request: HttpRequest, order, error: str = "", status: int = 200, confirm: dict | None = None
    ) -> HttpResponse:
        name = self.resource.name
        can_approve = has_capability(user=request.user, capability=Capability.APPROVE)
        actions = [
            {
                "verb": transition.verb,
                "label": transition.label,
                "danger": transition.danger,
                "url": reverse(f"{name}-transition", args=[order.pk, transition.verb]),
            }
            for transition in self.transitions
            if can_approve and order.status in transition.statuses
        ]
        context = self._context(
            request,
            record=order,
            lines=list(order.lines.all()),
            actions=actions,
            action_verbs={action["verb"] for action in actions},
            error=error,
            confirm=confirm,
            edit_url=reverse(f"{name}-edit", args=[order.pk]) if order.status == "draft" else "",
            can_approve_documents=can_approve,
            **self.detail_extra(request, order),
        )
        return render(request, self.detail_template, context, status=status)

    def create_view(self, request: HttpRequest) -> HttpResponse:
        if refused := self._require(request, Capability.EDIT):
            return refused
        if request.method == "POST":
            form, formset = self.form_class(request.POST), self.formset_class(request.POST, prefix="lines")
        else:
            form, formset = self.form_class(initial=request.GET.dict()), self.formset_class(prefix="lines")
        return self._save_or_render(
            request,
            form,
            formset,
            write=lambda data, lines: self.resource.create(user=request.user, data=data, lines=lines),
            heading=f"New {self.resource.model._meta.verbose_name}",
            cancel_url=reverse(f"{self.resource.name}-list"),
        )

    def edit_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if refused := self._require(request, Capability.EDIT):
            return refused
        order = self._get(request, pk)
        if order.status != "draft":
            messages.error(request, f"{order} is {order.get_status_display().lower()} and can no longer be edited.")
            return redirect(f"{self.resource.name}-detail", pk=order.pk)
        if request.method == "POST":
            # The form validates a fresh copy, so the service still diffs against the stored values.
            form = self.form_class(request.POST, instance=type(order).objects.get(pk=order.pk))
            formset = self.formset_class(request.POST, prefix="lines")
        else:
            # ?supplier= (a dependent list reloaded by HTMX or the no-JavaScript button) overrides the stored value.
            form = self.form_class(instance=order, initial=request.GET.dict() or None)
            formset = self.formset_class(prefix="lines", initial=type(self).initial_lines(order))
        return self._save_or_render(
            request,
            form,
            formset,
            write=lambda data, lines: self.resource.update(user=request.user, record=order, data=data, lines=lines),
            heading=f"Edit {order}",
            cancel_url=reverse(f"{self.resource.name}-detail", args=[order.pk]),
            record=order,
        )

    def _save_or_render(self, request, form, formset, *, write, **extra) -> HttpResponse:
        if request.method == "POST" and (ADD_ROWS in request.POST or REFRESH_ROWS in request.POST):
            # "More lines": the same entries in unbound forms (nothing is flagged as missing yet) plus the
            # formset's extra empty rows; nothing is saved.
            initial = {name: form.data.get(name, "") for name in form.fields}
            form = self.form_class(initial=initial, instance=extra.get("record"))
            rows = _typed_rows(formset, keep_positions=REFRESH_ROWS in request.POST)
            formset = self.formset_class(prefix="lines", initial=rows)
            context = self._context(request, form=form, formset=formset, **extra)
            return render(request, self.form_template, context)
        if request.method == "POST" and form.is_valid() and formset.is_valid():
            data = {name: form.cleaned_data[name] for name in self.form_class.Meta.fields}
            try:
                order = write(data, type(self).line_data(formset))
            except ApplicationError as exc:
                form_errors_from(exc, form)
            else:
                messages.success(request, f"Saved {order}.")
                return redirect(f"{self.resource.name}-detail", pk=order.pk)
        has_errors = bool(form.errors) or any(formset.errors) or bool(formset.non_form_errors())
        context = self._context(request, form=form, formset=formset, **extra)
        return render(request, self.form_template, context, status=400 if has_errors else 200)

    def transition_view(self, request: HttpRequest, pk: int, verb: str) -> HttpResponse:
        transitions = {transition.verb: transition for transition in self.transitions}
        if verb not in transitions:
            raise Http404
        if refused := self._require(request, Capability.APPROVE):
            return refused
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        order = self._get(request, pk)
        transition = transitions[verb]
        if confirm := confirmation(
            request,
            danger=transition.danger,
            label=transition.label,
            record=order,
            action_url=request.path,
            cancel_url=reverse(f"{self.resource.name}-detail", args=[order.pk]),
        ):
            return self._render_detail(request, order, confirm=confirm)
        try:
            transition.service(order=order, user=request.user, **self.transition_kwargs(request, verb))
        except ApplicationError as exc:
            if exc.code == "permission_denied":
                raise PermissionDenied from exc
            message = "; ".join(msg for msgs in exc.as_dict().values() for msg in msgs)
            return self._render_detail(request, self._get(request, pk), error=message, status=400)
        messages.success(request, f"{order} is now {order.get_status_display().lower()}.")
        return redirect(f"{self.resource.name}-detail", pk=order.pk)
