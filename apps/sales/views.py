"""Sales-order pages (see apps.records.order_pages): confirming may carry a credit-limit override reason."""

from __future__ import annotations

from django.http import HttpRequest

from apps.accounts.permissions import Capability, has_capability
from apps.records.order_pages import OrderPages, Transition
from apps.records.pages import Column

from . import forms, services
from .models import SalesOrder
from .resources import CSV_COLUMNS, SALES_ORDERS
from .selectors import customer_credit_exposure

Status = SalesOrder.Status


class SalesOrderPages(OrderPages):
    resource = SALES_ORDERS
    form_class = forms.SalesOrderForm
    formset_class = forms.SalesOrderLineFormSet
    line_data = forms.line_data
    initial_lines = forms.initial_lines
    csv_columns = CSV_COLUMNS
    detail_template = "sales/detail.html"
    columns = [
        Column("number", "Number", sort="number", link=True),
        Column("status", "Status", sort="status"),
        Column("customer.name", "Customer", sort="customer__name"),
        Column("delivery_date", "Delivery", sort="delivery_date"),
        Column("total", "Total", sort="total", kind="money", total=True),
        Column("margin", "Margin", kind="money"),
    ]
    transitions = [
        Transition("confirm", "Confirm", (Status.DRAFT,), services.sales_order_confirm),
        Transition("ship", "Mark shipped", (Status.CONFIRMED,), services.sales_order_ship),
        Transition("deliver", "Mark delivered", (Status.SHIPPED,), services.sales_order_deliver),
        Transition("cancel", "Cancel order", (Status.DRAFT, Status.CONFIRMED), services.sales_order_cancel, True),
    ]

    def transition_kwargs(self, request: HttpRequest, verb: str) -> dict:
        return {"override_reason": request.POST.get("override_reason", "")} if verb == "confirm" else {}

    def detail_extra(self, request: HttpRequest, order: SalesOrder) -> dict:
        extra = {
            "invoices": [invoice for invoice in order.invoices.all() if invoice.status != "void"],
            "can_invoice": order.status == Status.DELIVERED
            and has_capability(user=request.user, capability=Capability.APPROVE),
        }
        if order.status == Status.DRAFT:
            exposure = customer_credit_exposure(customer=order.customer, excluding_order=order)
            extra.update(exposure=exposure, over_limit=exposure + order.total > order.customer.credit_limit)
        return extra
