"""Received, not invoiced: a received purchase order without the supplier's invoice shows on the supplier's
account page until the invoice (bill) is recorded; recording it is validated, audited and for managers of
the tenant only."""

import datetime
from decimal import Decimal

from django_tenants.utils import tenant_context

from apps.accounting.ledgers import supplier_received_not_billed
from apps.accounting.models import SupplierBill
from apps.audit.models import AuditEvent
from apps.purchasing.models import PurchaseOrder
from apps.purchasing.tests.factories import order_with_lines


def _orders(world):
    with tenant_context(world.tenant):
        received = order_with_lines(count=2, status=PurchaseOrder.Status.RECEIVED)  # 2 × 5100.00
        supplier = received.supplier
        confirmed = order_with_lines(count=1, supplier=supplier, status=PurchaseOrder.Status.CONFIRMED)
        draft = order_with_lines(count=1, supplier=supplier)
        return supplier, received, confirmed, draft


def test_received_orders_are_unbilled_until_the_suppliers_invoice_is_recorded(tenant_a, client_for):
    supplier, received, confirmed, draft = _orders(tenant_a)
    client = client_for(tenant_a, tenant_a.manager)
    with tenant_context(tenant_a.tenant):
        (row,) = supplier_received_not_billed(supplier=supplier)
        assert (row.pk, row.amount, row.line_count) == (received.pk, Decimal("10200.00"), 2)
    page = client.get(f"/suppliers/{supplier.pk}/account/").content.decode()
    assert "Received, not invoiced" in page and received.number in page
    assert 'data-testid="unbilled-total"><strong>$10,200.00' in page and f"/purchase-orders/{received.pk}/bill/" in page
    url = f"/purchase-orders/{received.pk}/bill/"
    assert url in client.get(f"/purchase-orders/{received.pk}/").content.decode()
    assert client.get(url).status_code == 200
    data = {"number": "PK-7781", "billed_on": "2026-11-02", "amount": "10150.00"}
    assert client.post(url, data).status_code == 302
    with tenant_context(tenant_a.tenant):
        bill = SupplierBill.objects.get()
        assert (bill.purchase_order_id, bill.number, bill.billed_on) == (received.pk, "PK-7781",
                                                                         datetime.date(2026, 11, 2))  # fmt: skip
        assert AuditEvent.objects.filter(action="purchaseorder.bill", object_id=str(received.pk)).exists()
        assert supplier_received_not_billed(supplier=supplier) == []
    page = client.get(f"/suppliers/{supplier.pk}/account/").content.decode()
    assert "Every received order has the supplier" in page and "PK-7781" in page and "(order: $10,200.00)" in page
    # A second invoice for the same order, or one for a draft, is refused without writing.
    assert client.post(url, data).status_code == 400
    assert "is draft" in client.post(f"/purchase-orders/{draft.pk}/bill/", data).content.decode()
    for bad in ({"number": "", "billed_on": "2026-11-02", "amount": "1"}, {**data, "amount": "0"},
                {**data, "billed_on": "soon"}):  # fmt: skip
        assert client.post(f"/purchase-orders/{confirmed.pk}/bill/", bad).status_code == 400, bad
    with tenant_context(tenant_a.tenant):
        assert SupplierBill.objects.count() == 1


def test_recording_a_bill_is_for_managers_of_the_tenant(tenant_a, tenant_b, client_for, outsider):
    _supplier, received, _confirmed, _draft = _orders(tenant_b)
    url = f"/purchase-orders/{received.pk}/bill/"
    data = {"number": "X-1", "billed_on": "2026-11-02", "amount": "1.00"}
    assert client_for(tenant_a, tenant_a.owner).get(url).status_code == 404
    assert client_for(tenant_a, tenant_a.owner).post(url, data).status_code == 404
    assert client_for(tenant_b, tenant_b.staff).post(url, data).status_code == 403
    assert client_for(tenant_b, outsider).post(url, data).status_code in (302, 403)
    with tenant_context(tenant_b.tenant):
        assert not SupplierBill.objects.exists()
