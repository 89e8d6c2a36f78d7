"""Global search: partners, products and documents by code, name or number; tenant-isolated; bounded queries."""

import pytest
from django_tenants.utils import tenant_context

from apps.partners.tests.factories import CustomerFactory, SupplierFactory
from apps.products.tests.factories import ProductFactory
from apps.purchasing.tests.factories import PurchaseOrderFactory


def test_search_finds_partners_products_and_orders(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        supplier = SupplierFactory(code="ZEB", name="Zebra Packing")
        CustomerFactory(code="ZEBC", name="Zebra Foods")
        ProductFactory(code="ZEB-1", description="Zebra loin")
        order = PurchaseOrderFactory(number="PO-2026-04242", supplier=supplier)
    text = client_for(tenant_a, tenant_a.viewer).get("/search/", {"q": "zebra"}).text
    assert "Zebra Packing" in text and "Zebra Foods" in text and "Zebra loin" in text
    number = client_for(tenant_a, tenant_a.viewer).get("/search/", {"q": "04242"}).text
    assert f'href="/purchase-orders/{order.pk}/"' in number and "Zebra Packing" in number


def test_search_hides_archived_records_and_says_when_nothing_matches(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        SupplierFactory(code="OLDX", name="Old Xylo", is_archived=True)
    text = client_for(tenant_a, tenant_a.viewer).get("/search/", {"q": "xylo"}).text
    assert "Old Xylo" not in text
    assert "Nothing matches" in text


def test_search_never_shows_another_tenants_records(tenant_a, tenant_b, client_for):
    with tenant_context(tenant_b.tenant):
        SupplierFactory(code="BETAONLY", name="Beta Secret Supplier")
    text = client_for(tenant_a, tenant_a.owner).get("/search/", {"q": "secret"}).text
    assert "Beta Secret Supplier" not in text and "Nothing matches" in text


def test_search_refuses_outsiders_and_anonymous_visitors(tenant_a, client_for, outsider):
    assert client_for(tenant_a, outsider).get("/search/", {"q": "a"}).status_code == 403
    response = client_for(tenant_a).get("/search/", {"q": "a"})
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("rows", [1, 12])
def test_search_costs_one_query_per_kind_however_many_match(tenant_a, client_for, django_assert_max_num_queries, rows):
    with tenant_context(tenant_a.tenant):
        for n in range(rows):
            supplier = SupplierFactory(code=f"QQ{n}", name=f"Quokka {n}")
            PurchaseOrderFactory(number=f"PO-2026-9{n:04d}", supplier=supplier, notes="quokka")
    client = client_for(tenant_a, tenant_a.viewer)
    # 8 kinds + domain, session, user, membership, OTP device, one savepoint: 16 statements, each after
    # django-tenants' SET search_path (bench/README.md) — the same for 1 or 12 matches per kind.
    with django_assert_max_num_queries(32):
        response = client.get("/search/", {"q": "quokka"})
    assert response.text.count("Quokka") >= min(rows, 8)
