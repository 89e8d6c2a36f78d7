"""Contacts belong to exactly one supplier/customer/carrier; locations to exactly one customer/supplier."""

from django_tenants.utils import tenant_context

from apps.partners.tests.factories import CarrierFactory, CustomerFactory, SupplierFactory


def test_contact_without_a_company_is_refused(tenant_a, client_for):
    response = client_for(tenant_a, tenant_a.staff).post(
        "/api/v1/contacts/", {"name": "Nobody"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "exactly one" in response.json()["fields"]["non_field_errors"][0]


def test_contact_with_two_companies_is_refused_on_the_page(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        supplier, carrier = SupplierFactory(), CarrierFactory()
    response = client_for(tenant_a, tenant_a.staff).post(
        "/contacts/new/", {"name": "Two Hats", "supplier": supplier.pk, "carrier": carrier.pk}
    )
    assert response.status_code == 400
    assert "exactly one" in str(response.context["form"].non_field_errors())


def test_carrier_contact_shows_on_the_carrier_page(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        carrier = CarrierFactory()
    client = client_for(tenant_a, tenant_a.staff)
    response = client.post(
        "/api/v1/contacts/", {"name": "Dispatch Desk", "carrier": carrier.pk}, content_type="application/json"
    )
    assert response.status_code == 201
    assert "Dispatch Desk" in client.get(f"/carriers/{carrier.pk}/").content.decode()


def test_location_needs_exactly_one_owner(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        supplier, customer = SupplierFactory(), CustomerFactory()
    client = client_for(tenant_a, tenant_a.staff)
    base = {"code": "L1", "name": "Dock", "kind": "pickup"}
    both = client.post(
        "/api/v1/locations/",
        {**base, "supplier": supplier.pk, "customer": customer.pk},
        content_type="application/json",
    )
    assert both.status_code == 400
    neither = client.post("/api/v1/locations/", base, content_type="application/json")
    assert neither.status_code == 400
    pickup = client.post("/api/v1/locations/", {**base, "supplier": supplier.pk}, content_type="application/json")
    assert pickup.status_code == 201


def test_locations_filter_by_kind(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        customer = CustomerFactory()
    client = client_for(tenant_a, tenant_a.staff)
    for code, kind in (("B1", "billing"), ("S1", "ship_to")):
        client.post(
            "/api/v1/locations/",
            {"code": code, "name": code, "kind": kind, "customer": customer.pk},
            content_type="application/json",
        )
    assert [r["code"] for r in client.get("/api/v1/locations/", {"kind": "billing"}).json()["results"]] == ["B1"]
