"""factory_boy factories for sales orders (numbers come from a factory sequence, not the tenant's)."""

import datetime
from decimal import Decimal

import factory

from apps.partners.tests.factories import CustomerFactory, LocationFactory
from apps.products.tests.factories import ProductFactory
from apps.sales.models import SalesOrder, SalesOrderLine
from backend.clock import tenant_today
from backend.money import line_amount


class SalesOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SalesOrder

    number = factory.Sequence(lambda n: f"SO-1999-{n:05d}")
    customer = factory.SubFactory(CustomerFactory)
    ship_to = factory.SubFactory(LocationFactory, customer=factory.SelfAttribute("..customer"))
    delivery_date = factory.LazyFunction(lambda: tenant_today() + datetime.timedelta(days=5))


class SalesOrderLineFactory(factory.django.DjangoModelFactory):
    """An unsourced line; amounts are computed like the service does."""

    class Meta:
        model = SalesOrderLine

    order = factory.SubFactory(SalesOrderFactory)
    product = factory.SubFactory(ProductFactory)
    cases = 10
    weight = Decimal("600.00")
    unit_price = Decimal("5.0000")
    amount = factory.LazyAttribute(lambda line: line_amount(line.weight, line.unit_price))


def order_with_lines(count: int = 1, **kwargs) -> SalesOrder:
    """A sales order with `count` unsourced lines and its stored total."""
    order = SalesOrderFactory(**kwargs)
    lines = SalesOrderLineFactory.create_batch(count, order=order)
    order.total = sum((line.amount for line in lines), Decimal("0.00"))
    order.save(update_fields=["total"])
    return order
