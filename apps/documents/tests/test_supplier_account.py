"""Supplier ledgers: what the broker owes = payable purchase orders − supplier payments − supplier credits,
the open orders with their credits, and isolation."""

from decimal import Decimal

from django_tenants.utils import tenant_context

from apps.accounting import services as accounting
from apps.accounting.ledgers import supplier_balance, supplier_ledger
from apps.accounting.models import Payment
from apps.purchasing.models import PurchaseOrder
from apps.purchasing.tests.factories import PurchaseOrderLineFactory, order_with_lines
from apps.reports.selectors import payables_due
from backend.clock import tenant_today


def test_supplier_balance_ledger_and_page(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        today = tenant_today()
        first = order_with_lines(count=1, status=PurchaseOrder.Status.CONFIRMED, pickup_date=today)  # 5100.00
        PurchaseOrderLineFactory(order=first, weight=Decimal("10.00"), unit_cost=Decimal("1.2345"))  # 12.35 rounded
        second = order_with_lines(count=1, supplier=first.supplier, status=PurchaseOrder.Status.RECEIVED,
                                  pickup_date=today)  # fmt: skip
        order_with_lines(count=1, supplier=first.supplier)  # a draft owes nothing yet
        data = {
            "kind": Payment.Kind.SUPPLIER,
            "supplier": first.supplier,
            "received_on": today,
            "amount": Decimal("5000"),
        }
        accounting.payment_record(
            user=tenant_a.manager, data=data, allocations=[{"purchase_order": first, "amount": Decimal("5000")}]
        )
        accounting.supplier_credit_create(
            user=tenant_a.manager, purchase_order=second, amount=Decimal("100"), reason="Short"
        )
        owed = Decimal("5112.35") + Decimal("5100.00") - Decimal("5000") - Decimal("100")
        assert supplier_balance(supplier=first.supplier) == owed
        ledger = supplier_ledger(supplier=first.supplier, start=today, end=today)
        assert ledger.opening == 0 and ledger.closing == owed and len(ledger.entries) == 4
        # The same open amounts as the payables report.
        report = payables_due(as_of=today, within_days=60)
        assert sum(row["open"] for row in report.rows) == owed
    page = client_for(tenant_a, tenant_a.viewer).get(
        f"/suppliers/{first.supplier_id}/account/?start=2026-11-01&end=2026-11-30"
    )
    text = page.content.decode()
    assert page.status_code == 200 and first.number in text and second.number in text and "Short" in text
    assert 'data-testid="balance">$5,112.35' in text


def test_another_tenants_supplier_account_is_not_found(tenant_a, tenant_b, client_for, outsider):
    with tenant_context(tenant_b.tenant):
        order = order_with_lines(count=1)
    url = f"/suppliers/{order.supplier_id}/account/"
    assert client_for(tenant_a, tenant_a.owner).get(url).status_code == 404
    assert client_for(tenant_b, outsider).get(url).status_code in (302, 403)
    assert client_for(tenant_b, tenant_b.viewer).get(url).status_code == 200
