"""Purchase-order pages: list (filters, sort, CSV), detail with lines and the transitions the role may use,
create/edit of drafts with a line formset, and one POST endpoint per transition."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from apps.accounts.permissions import Capability, has_capability
from apps.records.csv_io import csv_response
from apps.records.pages import Column, RecordPages, form_errors_from
from backend.exceptions import ApplicationError

from . import services
from .forms import PurchaseOrderForm, PurchaseOrderLineFormSet, initial_lines, line_data
from .models import PurchaseOrder
from .resources import CSV_COLUMNS, PURCHASE_ORDERS

Status = PurchaseOrder.Status

# (verb, button label, statuses it applies to) — the services decide; this only chooses which buttons to show.
TRANSITIONS = [
    ("confirm", "Confirm", (Status.DRAFT,)),
    ("receive", "Mark received", (Status.CONFIRMED,)),
    ("close", "Close", (Status.RECEIVED,)),
    ("cancel", "Cancel order", (Status.DRAFT, Status.CONFIRMED)),
]
SERVICES = {
    "confirm": services.purchase_order_confirm,
    "receive": services.purchase_order_receive,
    "close": services.purchase_order_close,
    "cancel": services.purchase_order_cancel,
}


class PurchaseOrderPages(RecordPages):
    resource = PURCHASE_ORDERS
    columns = [
        Column("number", "Number", sort="number", link=True),
        Column("status", "Status", sort="status"),
        Column("supplier.name", "Supplier", sort="supplier__name"),
        Column("plant.code", "Plant"),
        Column("pickup_date", "Pickup", sort="pickup_date"),
        Column("total", "Total"),
    ]

    def urls(self):
        return [
            path("purchase-orders/", self.list_view, name="purchaseorder-list"),
            path("purchase-orders/new/", self.create_view, name="purchaseorder-create"),
            path("purchase-orders/export.csv", self.export_view, name="purchaseorder-export"),
            path("purchase-orders/<int:pk>/", self.detail_view, name="purchaseorder-detail"),
            path("purchase-orders/<int:pk>/edit/", self.edit_view, name="purchaseorder-edit"),
            path("purchase-orders/<int:pk>/<str:verb>/", self.transition_view, name="purchaseorder-transition"),
        ]

    def _context(self, request: HttpRequest, **extra) -> dict:
        context = super()._context(request, **extra)
        context.update(has_csv=True, export_url=reverse("purchaseorder-export"), currency=connection.tenant.currency)
        return context

    def export_view(self, request: HttpRequest) -> HttpResponse:
        if refused := self._require(request, Capability.READ):
            return refused
        return csv_response(
            queryset=self.resource.list(filters=request.GET), columns=CSV_COLUMNS, filename="purchase-orders.csv"
        )

    def detail_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if refused := self._require(request, Capability.READ):
            return refused
        order = self._get(request, pk)
        return self._render_detail(request, order)

    def _render_detail(self, request: HttpRequest, order: PurchaseOrder, error: str = "", status: int = 200):
        can_approve = has_capability(user=request.user, capability=Capability.APPROVE)
        actions = [
            {"verb": verb, "label": label, "url": reverse("purchaseorder-transition", args=[order.pk, verb])}
            for verb, label, statuses in TRANSITIONS
            if can_approve and order.status in statuses
        ]
        lines = list(order.lines.all())
        context = self._context(
            request,
            record=order,
            lines=lines,
            total=sum((line.amount for line in lines), Decimal("0.00")),
            actions=actions,
            error=error,
            edit_url=reverse("purchaseorder-edit", args=[order.pk]) if order.status == Status.DRAFT else "",
        )
        return render(request, "purchasing/detail.html", context, status=status)

    def create_view(self, request: HttpRequest) -> HttpResponse:
        if refused := self._require(request, Capability.EDIT):
            return refused
        if request.method == "POST":
            form, formset = PurchaseOrderForm(request.POST), PurchaseOrderLineFormSet(request.POST, prefix="lines")
        else:
            form, formset = PurchaseOrderForm(initial=request.GET.dict()), PurchaseOrderLineFormSet(prefix="lines")
        return self._save_or_render(
            request,
            form,
            formset,
            write=lambda data, lines: services.purchase_order_create(user=request.user, data=data, lines=lines),
            heading="New purchase order",
            cancel_url=reverse("purchaseorder-list"),
        )

    def edit_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if refused := self._require(request, Capability.EDIT):
            return refused
        order = self._get(request, pk)
        if order.status != Status.DRAFT:
            messages.error(request, f"{order} is {order.get_status_display().lower()} and can no longer be edited.")
            return redirect("purchaseorder-detail", pk=order.pk)
        if request.method == "POST":
            form = PurchaseOrderForm(request.POST, instance=PurchaseOrder.objects.get(pk=order.pk))
            formset = PurchaseOrderLineFormSet(request.POST, prefix="lines")
        else:
            form = PurchaseOrderForm(instance=order)
            formset = PurchaseOrderLineFormSet(prefix="lines", initial=initial_lines(order))
        return self._save_or_render(
            request,
            form,
            formset,
            write=lambda data, lines: services.purchase_order_update(
                user=request.user, record=order, data=data, lines=lines
            ),
            heading=f"Edit {order}",
            cancel_url=reverse("purchaseorder-detail", args=[order.pk]),
            record=order,
        )

    def _save_or_render(self, request, form, formset, *, write, **extra) -> HttpResponse:
        if request.method == "POST" and form.is_valid() and formset.is_valid():
            data = {name: form.cleaned_data[name] for name in PurchaseOrderForm.Meta.fields}
            try:
                order = write(data, line_data(formset))
            except ApplicationError as exc:
                form_errors_from(exc, form)
            else:
                messages.success(request, f"Saved {order}.")
                return redirect("purchaseorder-detail", pk=order.pk)
        has_errors = bool(form.errors) or any(formset.errors) or bool(formset.non_form_errors())
        context = self._context(request, form=form, formset=formset, **extra)
        return render(request, "purchasing/form.html", context, status=400 if has_errors else 200)

    def transition_view(self, request: HttpRequest, pk: int, verb: str) -> HttpResponse:
        if verb not in SERVICES:
            raise Http404
        if refused := self._require(request, Capability.APPROVE):
            return refused
        if request.method != "POST":
            return require_POST(lambda request: None)(request)
        order = self._get(request, pk)
        kwargs = {}
        if verb == "receive":
            kwargs["received_weights"] = {
                key.removeprefix("received_"): value
                for key, value in request.POST.items()
                if key.startswith("received_") and value.strip()
            }
        try:
            SERVICES[verb](order=order, user=request.user, **kwargs)
        except ApplicationError as exc:
            if exc.code == "permission_denied":
                raise PermissionDenied from exc
            order = self._get(request, pk)
            message = "; ".join(msg for msgs in exc.as_dict().values() for msg in msgs)
            return self._render_detail(request, order, error=message, status=400)
        messages.success(request, f"{order} is now {order.get_status_display().lower()}.")
        return redirect("purchaseorder-detail", pk=order.pk)
