"""Accounting test helpers: an issued invoice for a delivered sales order, built through the services."""

import datetime
from decimal import Decimal

from apps.accounting import services
from apps.accounting.models import Invoice
from apps.partners.tests.factories import CustomerFactory
from apps.sales.models import SalesOrder
from apps.sales.tests.factories import order_with_lines


def delivered_order(**kwargs) -> SalesOrder:
    """A delivered sales order with one 3000.00 line."""
    return order_with_lines(status=SalesOrder.Status.DELIVERED, **kwargs)


def issued_invoice(user, *, issued_on: datetime.date | None = None, customer=None, **kwargs) -> Invoice:
    order = delivered_order(customer=customer or CustomerFactory(credit_limit=Decimal("1000000")), **kwargs)
    invoice = services.invoice_create(user=user, sales_order=order)
    return services.invoice_issue(invoice=invoice, user=user, issued_on=issued_on)
