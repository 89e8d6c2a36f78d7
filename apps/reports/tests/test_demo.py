"""seed_demo adds a trading history (orders, invoices of several ages, payments, a settled claim), once."""

from django.core.management import call_command
from django_tenants.utils import tenant_context

from apps.accounting.models import CustomerCredit, Invoice, Payment, SupplierCredit
from apps.purchasing.models import PurchaseOrder
from apps.reports import selectors
from apps.sales.models import SalesOrder
from apps.tenants.models import Client

MODELS = [PurchaseOrder, SalesOrder, Invoice, Payment, CustomerCredit]


def _counts(schema: str) -> dict:
    with tenant_context(Client.objects.get(schema_name=schema)):
        return {model.__name__: model.objects.count() for model in MODELS}


def test_seed_demo_adds_orders_invoices_and_payments_once(world, db):
    call_command("seed_demo", verbosity=0)
    for schema in ("acme", "globex"):
        counts = _counts(schema)
        assert all(count > 0 for count in counts.values()), (schema, counts)
    with tenant_context(Client.objects.get(schema_name="acme")):
        aging = selectors.ar_aging()
        assert aging.totals["total"] > 0 and aging.totals["days_over_90"] > 0
        assert selectors.margin_by(by="month").rows
        assert SupplierCredit.objects.filter(claim__purchase_line__isnull=False).exists()
    before = {schema: _counts(schema) for schema in ("acme", "globex")}
    call_command("seed_demo", verbosity=0)
    assert {schema: _counts(schema) for schema in ("acme", "globex")} == before
