"""Purchase-order pages (see apps.records.order_pages): receiving takes each line's received weight."""

from __future__ import annotations

from django.http import HttpRequest

from apps.records.order_pages import OrderPages, Transition
from apps.records.pages import Column

from . import forms, services
from .models import PurchaseOrder
from .resources import CSV_COLUMNS, PURCHASE_ORDERS

Status = PurchaseOrder.Status


class PurchaseOrderPages(OrderPages):
    resource = PURCHASE_ORDERS
    form_class = forms.PurchaseOrderForm
    formset_class = forms.PurchaseOrderLineFormSet
    line_data = forms.line_data
    initial_lines = forms.initial_lines
    csv_columns = CSV_COLUMNS
    detail_template = "purchasing/detail.html"
    columns = [
        Column("number", "Number", sort="number", link=True),
        Column("status", "Status", sort="status"),
        Column("supplier.name", "Supplier", sort="supplier__name"),
        Column("plant.code", "Plant"),
        Column("pickup_date", "Pickup", sort="pickup_date"),
        Column("total", "Total", kind="money"),
    ]
    transitions = [
        Transition("confirm", "Confirm", (Status.DRAFT,), services.purchase_order_confirm),
        Transition("receive", "Mark received", (Status.CONFIRMED,), services.purchase_order_receive),
        Transition("close", "Close", (Status.RECEIVED,), services.purchase_order_close),
        Transition("cancel", "Cancel order", (Status.DRAFT, Status.CONFIRMED), services.purchase_order_cancel, True),
    ]

    def _context(self, request: HttpRequest, **extra) -> dict:
        context = super()._context(request, **extra)
        context["reload_label"] = "Show only this supplier's plants"
        return context

    def transition_kwargs(self, request: HttpRequest, verb: str) -> dict:
        if verb != "receive":
            return {}
        return {
            "received_weights": {
                key.removeprefix("received_"): value
                for key, value in request.POST.items()
                if key.startswith("received_") and value.strip()
            }
        }
