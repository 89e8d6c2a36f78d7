"""factory_boy factories for partners; create rows in whatever tenant schema is active."""

import datetime
from decimal import Decimal

import factory

from apps.partners.models import Carrier, Contact, Customer, Location, Plant, Supplier
from backend.clock import tenant_today


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supplier

    code = factory.Sequence(lambda n: f"SUP{n:04d}")
    name = factory.Sequence(lambda n: f"Prairie Packers {n}")
    city = "Omaha"
    state = "NE"


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    code = factory.Sequence(lambda n: f"CUS{n:04d}")
    name = factory.Sequence(lambda n: f"Harbor Foodservice {n}")
    credit_limit = Decimal("50000.00")
    city = "Boston"
    state = "MA"


class PlantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plant

    supplier = factory.SubFactory(SupplierFactory)
    code = factory.Sequence(lambda n: f"PL{n:04d}")
    name = factory.Sequence(lambda n: f"Plant {n}")
    establishment_number = factory.Sequence(lambda n: f"M{n % 99999 + 1}")


class CarrierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Carrier

    code = factory.Sequence(lambda n: f"CAR{n:04d}")
    name = factory.Sequence(lambda n: f"Reefer Lines {n}")
    mc_number = factory.Sequence(lambda n: str(100000 + n))
    dot_number = factory.Sequence(lambda n: str(2000000 + n))
    insurance_expires_on = factory.LazyFunction(lambda: tenant_today() + datetime.timedelta(days=365))


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    supplier = factory.SubFactory(SupplierFactory)
    name = factory.Sequence(lambda n: f"Pat Buyer {n}")
    email = factory.Sequence(lambda n: f"pat{n}@example.test")


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    customer = factory.SubFactory(CustomerFactory)
    code = factory.Sequence(lambda n: f"LOC{n:04d}")
    name = factory.Sequence(lambda n: f"Dock {n}")
    kind = Location.Kind.SHIP_TO
    street = "1 Harbor Way"
    city = "Boston"
