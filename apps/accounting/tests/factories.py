"""Accounting test helpers: an issued invoice for a delivered sales order, built through the services,
and plain factories for rows that only need to exist (a draft invoice, a customer receipt)."""

import datetime
from decimal import Decimal

import factory

from apps.accounting import services
from apps.accounting.models import Invoice, Payment
from apps.partners.tests.factories import CustomerFactory
from apps.sales.models import SalesOrder
from apps.sales.tests.factories import SalesOrderFactory, order_with_lines
from backend.clock import tenant_today


def delivered_order(**kwargs) -> SalesOrder:
    """A delivered sales order with one 3000.00 line."""
    return order_with_lines(status=SalesOrder.Status.DELIVERED, **kwargs)


def issued_invoice(user, *, issued_on: datetime.date | None = None, customer=None, **kwargs) -> Invoice:
    order = delivered_order(customer=customer or CustomerFactory(credit_limit=Decimal("1000000")), **kwargs)
    invoice = services.invoice_create(user=user, sales_order=order)
    return services.invoice_issue(invoice=invoice, user=user, issued_on=issued_on)


class InvoiceFactory(factory.django.DjangoModelFactory):
    """A draft invoice for a sales order (numbers from a factory sequence, not the tenant's)."""

    class Meta:
        model = Invoice

    number = factory.Sequence(lambda n: f"INV-1999-{n:05d}")
    sales_order = factory.SubFactory(SalesOrderFactory)
    customer = factory.SelfAttribute("sales_order.customer")
    total = Decimal("3000.00")


class PaymentFactory(factory.django.DjangoModelFactory):
    """An unallocated customer receipt dated today on the tenant's calendar."""

    class Meta:
        model = Payment

    kind = Payment.Kind.RECEIPT
    customer = factory.SubFactory(CustomerFactory)
    received_on = factory.LazyFunction(tenant_today)
    amount = Decimal("500.00")
