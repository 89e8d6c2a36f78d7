"""Issue 18's order-page fixes: terms default to the supplier's, one header per line input with accessible
names, "More lines" flags nothing, destructive transitions ask first (without JavaScript)."""

import re

from django_tenants.utils import tenant_context

from apps.partners.models import PaymentTerms
from apps.partners.tests.factories import PlantFactory, SupplierFactory
from apps.products.tests.factories import ProductFactory
from apps.purchasing.models import PurchaseOrder
from apps.purchasing.tests.factories import PurchaseOrderFactory

NEW = "/purchase-orders/new/"


def _selected(html: str, name: str) -> str:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.search(r'<option value="([^"]*)"[^>]*selected', select).group(1)


def test_new_order_preselects_the_suppliers_terms_and_saves_them(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        supplier = SupplierFactory(payment_terms=PaymentTerms.NET_14)
        plant = PlantFactory(supplier=supplier)
        product = ProductFactory()
    client = client_for(tenant_a, tenant_a.staff)
    page = client.get(NEW).text
    assert _selected(page, "terms") == ""  # "Supplier's terms", not the model's Net 30
    data = {
        "supplier": supplier.pk,
        "plant": plant.pk,
        "pickup_date": "2026-12-01",
        "terms": _selected(page, "terms"),  # what the browser submits untouched
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-0-product": product.pk,
        "lines-0-cases": "12",
        "lines-0-weight": "720.00",
        "lines-0-unit_cost": "2.5",
    }
    assert client.post(NEW, data).status_code == 302
    with tenant_context(tenant_a.tenant):
        assert PurchaseOrder.objects.get(supplier=supplier).terms == PaymentTerms.NET_14


def test_line_headers_match_the_inputs_and_every_input_is_labelled(tenant_a, client_for):
    client = client_for(tenant_a, tenant_a.staff)
    for url, headers in (
        (NEW, ["Product", "Cases", "Weight", "Cost per unit", "Remove", "Amount"]),
        ("/sales-orders/new/", ["Product", "Sold from", "Cases", "Weight", "Price per unit", "Remove", "Amount"]),
    ):
        page = client.get(url).text
        table = re.search(r'<table class="line-table".*?</table>', page, re.S).group(0)
        head = re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', table)
        assert [h.strip() for h in head] == headers, url
        first_row = re.search(r"<tbody>.*?</tr>", table, re.S).group(0)
        inputs = re.findall(r'<(?:input|select)[^>]*id="(id_lines-0-[a-zA-Z_]+)"', first_row)
        assert len(inputs) == len(headers) - 1  # every header but the live amount is an input
        for input_id in inputs:
            assert f'<label class="visually-hidden" for="{input_id}">' in first_row, input_id


def test_more_lines_keeps_entries_and_flags_no_missing_fields(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        product = ProductFactory()
    data = {
        "supplier": "",
        "plant": "",
        "pickup_date": "",
        "terms": "",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-0-product": product.pk,
        "lines-0-cases": "7",
        "add_rows": "1",
    }
    response = client_for(tenant_a, tenant_a.staff).post(NEW, data)
    assert response.status_code == 200
    page = response.text
    assert "This field is required" not in page and "field-error" not in page
    assert 'name="lines-TOTAL_FORMS" value="4"' in page  # the typed row + three empty ones
    assert 'name="lines-0-cases" value="7"' in page


def test_cancel_asks_first_and_only_the_confirmed_post_cancels(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        order = PurchaseOrderFactory()
    client = client_for(tenant_a, tenant_a.manager)
    url = f"/purchase-orders/{order.pk}/cancel/"
    asked = client.post(url)
    assert asked.status_code == 200
    assert 'role="alertdialog"' in asked.text and 'name="confirmed" value="yes"' in asked.text
    with tenant_context(tenant_a.tenant):
        assert PurchaseOrder.objects.get(pk=order.pk).status == PurchaseOrder.Status.DRAFT
    assert client.post(url, {"confirmed": "yes"}).status_code == 302
    with tenant_context(tenant_a.tenant):
        assert PurchaseOrder.objects.get(pk=order.pk).status == PurchaseOrder.Status.CANCELLED


def test_cancel_confirmation_is_refused_to_staff_and_other_tenants(tenant_a, tenant_b, client_for):
    with tenant_context(tenant_a.tenant):
        order = PurchaseOrderFactory()
    url = f"/purchase-orders/{order.pk}/cancel/"
    assert client_for(tenant_a, tenant_a.staff).post(url, {"confirmed": "yes"}).status_code == 403
    with tenant_context(tenant_b.tenant):
        taken = PurchaseOrder.objects.filter(pk=order.pk).exists()
    if not taken:
        assert client_for(tenant_b, tenant_b.manager).post(url).status_code == 404
    with tenant_context(tenant_a.tenant):
        assert PurchaseOrder.objects.get(pk=order.pk).status == PurchaseOrder.Status.DRAFT
