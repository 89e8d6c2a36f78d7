"""Dependent dropdowns as HTMX swaps that degrade without JavaScript: the purchase-order form's supplier
reloads its plant list (GET ?supplier=, the plant select swapped), a sales-order line's "Sold from" refreshes
its row's product (the one the purchase line implies) (nothing saved, rows keep their places); the API lists the
same choices (plants by supplier, invoices by customer)."""

import re

from django_tenants.utils import tenant_context

from apps.accounting.tests.factories import issued_invoice
from apps.partners.tests.factories import PlantFactory, SupplierFactory
from apps.purchasing.models import PurchaseOrder
from apps.purchasing.tests.factories import PurchaseOrderLineFactory, order_with_lines
from apps.sales.models import SalesOrder


def _select(page: str, name: str) -> str:
    return re.search(rf'<select name="{name}".*?</select>', page, re.S).group(0)


def test_supplier_choice_swaps_the_plant_list_on_new_and_edit_pages(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        supplier, other_supplier = SupplierFactory(), SupplierFactory()
        own, other = PlantFactory(supplier=supplier), PlantFactory(supplier=other_supplier)
        draft = order_with_lines(count=1, supplier=other_supplier, plant=other)
    client = client_for(tenant_a, tenant_a.staff)
    page = client.get("/purchase-orders/new/").content.decode()
    supplier_select = _select(page, "supplier")
    assert 'hx-get="."' in supplier_select and 'hx-select="#id_plant"' in supplier_select
    assert "Show only this supplier&#x27;s plants" in page and 'formmethod="get"' in page  # without JavaScript
    swapped = client.get("/purchase-orders/new/", {"supplier": supplier.pk}, HTTP_HX_REQUEST="true").content.decode()
    plants = _select(swapped, "plant")
    assert f'value="{own.pk}"' in plants and f'value="{other.pk}"' not in plants
    # Editing a draft: its own supplier's plants, or the newly chosen supplier's.
    edit = client.get(f"/purchase-orders/{draft.pk}/edit/").content.decode()
    assert f'value="{other.pk}"' in _select(edit, "plant") and f'value="{own.pk}"' not in _select(edit, "plant")
    switched = client.get(f"/purchase-orders/{draft.pk}/edit/", {"supplier": supplier.pk}).content.decode()
    assert f'value="{own.pk}"' in _select(switched, "plant") and f'value="{other.pk}"' not in _select(switched, "plant")


def test_sold_from_refreshes_its_row_with_the_implied_product_and_saves_nothing(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        line = PurchaseOrderLineFactory(order__status=PurchaseOrder.Status.CONFIRMED, cases=10)
    client = client_for(tenant_a, tenant_a.staff)
    page = client.get("/sales-orders/new/").content.decode()
    source = _select(page, "lines-1-source")
    assert 'hx-post="."' in source and 'hx-select="#id_lines-1-product"' in source and "refresh_rows" in source
    # Row 0 left empty, row 1 sold from the purchase line: the response's row 1 shows the product.
    # htmx sends the row's product emptied (hx-vals), so the purchase line's product replaces what was there.
    assert "&quot;lines-1-product&quot;: &quot;&quot;" in source
    form = {"customer": "", "ship_to": "", "delivery_date": "", "notes": "", "refresh_rows": "1",
            "lines-TOTAL_FORMS": "3", "lines-INITIAL_FORMS": "0", "lines-1-source": line.pk,
            "lines-1-product": "", "lines-1-cases": "2"}  # fmt: skip
    response = client.post("/sales-orders/new/", form, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    text = response.content.decode()
    product = _select(text, "lines-1-product")
    assert re.search(rf'<option value="{line.product_id}" selected>', product), product[:2000]
    assert 'name="lines-1-cases" value="2"' in text and 'id="id_lines-1-product"' in product
    with tenant_context(tenant_a.tenant):
        assert not SalesOrder.objects.exists()


def test_api_offers_the_same_dependent_choices(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        supplier = SupplierFactory()
        own, other = PlantFactory(supplier=supplier), PlantFactory()
        mine, theirs = issued_invoice(tenant_a.manager), issued_invoice(tenant_a.manager)
    client = client_for(tenant_a, tenant_a.viewer)
    plants = client.get("/api/v1/plants/", {"supplier": supplier.pk}).json()["results"]
    assert [row["id"] for row in plants] == [own.pk] and other.pk != own.pk
    invoices = client.get("/api/v1/invoices/", {"customer": mine.customer_id, "status": "issued"}).json()["results"]
    assert [row["id"] for row in invoices] == [mine.pk] and theirs.pk != mine.pk
