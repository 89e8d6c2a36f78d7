"""seed_demo gives acme and globex different, realistic partner and product books, once."""

from django.core.management import call_command
from django_tenants.utils import tenant_context

from apps.audit.models import AuditEvent
from apps.partners.models import Carrier, Contact, Customer, Location, Plant, Supplier
from apps.products.models import Product
from apps.tenants.models import Client

MODELS = [Supplier, Plant, Contact, Customer, Location, Carrier, Product]


def _book(schema: str) -> dict:
    with tenant_context(Client.objects.get(schema_name=schema)):
        return {
            "counts": {model.__name__: model.objects.count() for model in MODELS},
            "suppliers": set(Supplier.objects.values_list("code", flat=True)),
            "audit": AuditEvent.objects.count(),
            "plants_valid": all(plant.supplier_id for plant in Plant.objects.all()),
        }


def test_seed_demo_fills_each_tenant_with_its_own_book_and_is_idempotent(world, db):
    call_command("seed_demo")
    acme, globex = _book("acme"), _book("globex")
    for book in (acme, globex):
        assert all(count > 0 for count in book["counts"].values()), book["counts"]
        assert book["plants_valid"]
    assert acme["suppliers"].isdisjoint(globex["suppliers"])
    call_command("seed_demo")
    assert _book("acme") == acme
    assert _book("globex") == globex


def test_demo_carriers_include_insurance_warnings(world, db):
    call_command("seed_demo")
    with tenant_context(Client.objects.get(schema_name="acme")):
        statuses = {carrier.insurance_status() for carrier in Carrier.objects.all()}
    assert {"expired", "expires_soon", "ok"} <= statuses
