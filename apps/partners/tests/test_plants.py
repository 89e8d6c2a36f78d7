"""Plants belong to a supplier and carry a USDA establishment number in FSIS format."""

import pytest
from django_tenants.utils import tenant_context

from apps.partners.tests.factories import SupplierFactory

URL = "/api/v1/plants/"


def _post(client_for, world, **payload):
    with tenant_context(world.tenant):
        supplier = payload.pop("supplier", None) or SupplierFactory().pk
    body = {"supplier": supplier, "code": "PL1", "name": "Plant", **payload}
    return client_for(world, world.staff).post(URL, body, content_type="application/json")


@pytest.mark.parametrize(
    ("given", "stored"),
    [("M12345", "M12345"), ("p7089a", "P7089A"), ("M562+P562", "M562+P562"), (" m 245 ", "M245"), ("I20", "I20")],
)
def test_valid_establishment_numbers_are_normalised(tenant_a, client_for, given, stored):
    response = _post(client_for, tenant_a, establishment_number=given)
    assert response.status_code == 201, response.json()
    assert response.json()["establishment_number"] == stored


@pytest.mark.parametrize("bad", ["12345", "X123", "M123456", "M12AB", "M1+M2", "M1+", "EST 245"])
def test_malformed_establishment_numbers_are_refused(tenant_a, client_for, bad):
    response = _post(client_for, tenant_a, establishment_number=bad)
    assert response.status_code == 400
    assert "establishment_number" in response.json()["fields"]


def test_plant_cannot_be_added_to_an_archived_supplier(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        archived = SupplierFactory(is_archived=True).pk
    response = _post(client_for, tenant_a, supplier=archived, establishment_number="M1")
    assert response.status_code == 400
    assert "supplier" in response.json()["fields"]


def test_plant_cannot_point_at_another_tenants_supplier(tenant_a, tenant_b, client_for):
    with tenant_context(tenant_b.tenant):
        theirs = SupplierFactory().pk
    with tenant_context(tenant_a.tenant):
        SupplierFactory()
    response = _post(client_for, tenant_a, supplier=theirs + 10_000, establishment_number="M1")
    assert response.status_code == 400
    assert "supplier" in response.json()["fields"]


def test_new_plant_form_is_prefilled_from_the_supplier_page(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        supplier = SupplierFactory()
    page = client_for(tenant_a, tenant_a.staff).get(f"/plants/new/?supplier={supplier.pk}")
    assert page.context["form"].initial["supplier"] == str(supplier.pk)
