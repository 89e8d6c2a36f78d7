"""factory_boy factories for purchase orders (numbers come from a factory sequence, not the tenant's)."""

import datetime
from decimal import Decimal

import factory

from apps.partners.tests.factories import PlantFactory, SupplierFactory
from apps.products.tests.factories import ProductFactory
from apps.purchasing.models import PurchaseOrder, PurchaseOrderLine
from backend.clock import tenant_today


class PurchaseOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PurchaseOrder

    number = factory.Sequence(lambda n: f"PO-1999-{n:05d}")
    supplier = factory.SubFactory(SupplierFactory)
    plant = factory.SubFactory(PlantFactory, supplier=factory.SelfAttribute("..supplier"))
    pickup_date = factory.LazyFunction(lambda: tenant_today() + datetime.timedelta(days=3))


class PurchaseOrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PurchaseOrderLine

    order = factory.SubFactory(PurchaseOrderFactory)
    product = factory.SubFactory(ProductFactory)
    cases = 20
    weight = Decimal("1200.00")
    unit_cost = Decimal("4.2500")


def order_with_lines(count: int = 2, **kwargs) -> PurchaseOrder:
    order = PurchaseOrderFactory(**kwargs)
    PurchaseOrderLineFactory.create_batch(count, order=order)
    return order
