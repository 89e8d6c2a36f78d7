"""Dependent choices: "Sold from" offers only purchase lines with cases left (API and page), the line's
product follows from the purchase line, the payment form lists the chosen customer's invoices only, and the
purchase order form the chosen supplier's plants only."""

import re
from decimal import Decimal

from django_tenants.utils import tenant_context

from apps.accounting.tests.factories import issued_invoice
from apps.partners.tests.factories import CustomerFactory, LocationFactory, PlantFactory, SupplierFactory
from apps.purchasing.models import PurchaseOrder
from apps.purchasing.tests.factories import PurchaseOrderLineFactory
from apps.records.testing import assert_list_queries_flat
from apps.sales.models import SalesOrder
from apps.sales.tests.factories import SalesOrderLineFactory

API = "/api/v1/purchase-order-lines/"


def _lines(world):
    """A fully sold purchase line, a half-sold one, one sold only on a cancelled order, and a draft's line."""
    with tenant_context(world.tenant):
        sold_out = PurchaseOrderLineFactory(order__status=PurchaseOrder.Status.CONFIRMED, cases=10)
        SalesOrderLineFactory(source=sold_out, product=sold_out.product, cases=10, order__status="confirmed")
        half = PurchaseOrderLineFactory(order__status=PurchaseOrder.Status.RECEIVED, cases=10)
        SalesOrderLineFactory(source=half, product=half.product, cases=5)
        cancelled = PurchaseOrderLineFactory(order__status=PurchaseOrder.Status.CONFIRMED, cases=4)
        SalesOrderLineFactory(source=cancelled, product=cancelled.product, cases=4, order__status="cancelled")
        draft = PurchaseOrderLineFactory()
    return sold_out, half, cancelled, draft


def test_api_lists_lines_with_cases_left(tenant_a, client_for):
    sold_out, half, cancelled, draft = _lines(tenant_a)
    client = client_for(tenant_a, tenant_a.viewer)
    everything = {row["id"]: row for row in client.get(API).json()["results"]}
    assert set(everything) == {sold_out.pk, half.pk, cancelled.pk, draft.pk}
    assert everything[half.pk]["cases_left"] == 5 and everything[sold_out.pk]["cases_left"] == 0
    available = client.get(API, {"available": "true"}).json()["results"]
    assert {row["id"] for row in available} == {half.pk, cancelled.pk}  # a draft's line cannot be sold from
    by_product = client.get(API, {"available": "true", "product": half.product_id}).json()["results"]
    assert [row["id"] for row in by_product] == [half.pk]
    assert client.get(f"{API}{half.pk}/").json()["order_number"] == half.order.number


def test_api_list_query_count_is_flat(tenant_a, client_for):
    assert_list_queries_flat(
        client=client_for(tenant_a, tenant_a.viewer),
        url=f"{API}?available=true",
        tenant=tenant_a.tenant,
        create_rows=lambda n: PurchaseOrderLineFactory.create_batch(n, order__status=PurchaseOrder.Status.CONFIRMED),
    )


def test_another_tenants_purchase_lines_are_not_visible(tenant_a, tenant_b, client_for, outsider):
    _sold_out, half, _cancelled, _draft = _lines(tenant_b)
    assert client_for(tenant_a, tenant_a.owner).get(f"{API}{half.pk}/").status_code == 404
    assert client_for(tenant_a, tenant_a.owner).get(API).json()["results"] == []
    assert client_for(tenant_b, outsider).get(API).status_code in (401, 403)


def test_sales_order_page_offers_only_lines_with_cases_left_and_implies_the_product(tenant_a, client_for):
    sold_out, half, cancelled, draft = _lines(tenant_a)
    client = client_for(tenant_a, tenant_a.staff)
    page = client.get("/sales-orders/new/").content.decode()
    page = re.search(r'<select name="lines-0-source".*?</select>', page, re.S).group(0)
    assert f'value="{half.pk}"' in page and f'value="{cancelled.pk}"' in page
    assert f'value="{sold_out.pk}"' not in page and f'value="{draft.pk}"' not in page
    with tenant_context(tenant_a.tenant):
        customer = CustomerFactory(credit_limit=Decimal("1e6"))
        ship_to = LocationFactory(customer=customer)
    form = {"customer": customer.pk, "ship_to": ship_to.pk, "delivery_date": "2026-12-20", "notes": "",
            "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0", "lines-0-source": half.pk,
            "lines-0-cases": "2", "lines-0-weight": "100", "lines-0-unit_price": "6"}  # fmt: skip
    response = client.post("/sales-orders/new/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    with tenant_context(tenant_a.tenant):
        line = SalesOrder.objects.get(customer=customer).lines.get()
        assert (line.product_id, line.source_id) == (half.product_id, half.pk)
    no_product = {**form, "lines-0-source": ""}
    assert client.post("/sales-orders/new/", no_product).status_code == 400


def test_payment_form_lists_only_the_chosen_customers_invoices(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        mine = issued_invoice(tenant_a.manager)
        theirs = issued_invoice(tenant_a.manager)
    client = client_for(tenant_a, tenant_a.manager)
    page = client.get("/payments/new/", {"kind": "receipt", "customer": mine.customer_id}).content.decode()
    assert mine.number in page and theirs.number not in page
    unfiltered = client.get("/payments/new/").content.decode()
    assert mine.number in unfiltered and theirs.number in unfiltered


def test_purchase_order_form_lists_only_the_chosen_suppliers_plants(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        supplier = SupplierFactory()
        own, other = PlantFactory(supplier=supplier), PlantFactory()
    page = client_for(tenant_a, tenant_a.staff).get("/purchase-orders/new/", {"supplier": supplier.pk}).content.decode()
    assert own.name in page and other.name not in page


def test_payment_form_reloads_its_rows_for_the_chosen_partner(tenant_a, client_for):
    """HTMX asks the same page with the form's values (GET) and swaps #allocations; without JavaScript the
    "Show" button does the same GET as a whole page."""
    with tenant_context(tenant_a.tenant):
        mine = issued_invoice(tenant_a.manager)
        theirs = issued_invoice(tenant_a.manager)
    page = client_for(tenant_a, tenant_a.manager).get("/payments/new/").content.decode()
    assert 'hx-select="#allocations"' in page and 'formmethod="get"' in page
    reloaded = (
        client_for(tenant_a, tenant_a.manager)
        .get(
            "/payments/new/",
            {"kind": "receipt", "customer": str(mine.customer_id), "amount": "", "csrfmiddlewaretoken": "x"},
            HTTP_HX_REQUEST="true",
        )
        .content.decode()
    )
    rows = re.search(r'<div id="allocations">.*?</div>\s*<div class="form-actions">', reloaded, re.S).group(0)
    assert mine.number in rows and theirs.number not in rows
