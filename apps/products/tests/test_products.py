"""Product rules: NAMP/USDA code formats, protein and packing choices, positive case weight, unique code."""

import pytest
from django_tenants.utils import tenant_context

from apps.products.tests.factories import ProductFactory

URL = "/api/v1/products/"
VALID = {
    "code": "112a-fz",
    "description": "Beef rib, ribeye lip-on, frozen",
    "namp_code": "112a",
    "usda_item_code": "b123.4",
    "protein": "beef",
    "storage": "frozen",
    "weight_type": "catch",
    "unit": "lb",
    "package_type": "box",
    "case_weight": "62.50",
    "is_edible": True,
}


def test_staff_creates_a_product_with_every_attribute(tenant_a, client_for):
    response = client_for(tenant_a, tenant_a.staff).post(URL, VALID, content_type="application/json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["code"], body["namp_code"], body["usda_item_code"]) == ("112A-FZ", "112A", "B123.4")
    assert (body["storage"], body["weight_type"], body["case_weight"]) == ("frozen", "catch", "62.50")


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("namp_code", "12"),
        ("namp_code", "189AB"),
        ("protein", "bison"),
        ("storage", "chilled"),
        ("weight_type", "gross"),
        ("unit", "oz"),
        ("package_type", "crate"),
        ("case_weight", "0"),
        ("case_weight", "-1"),
        ("usda_item_code", "no spaces"),
    ],
)
def test_malformed_product_values_are_refused(tenant_a, client_for, field, bad):
    response = client_for(tenant_a, tenant_a.staff).post(URL, {**VALID, field: bad}, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_duplicate_product_code_is_a_form_error(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        ProductFactory(code="112A-FZ")
    form = {**VALID, "is_edible": "on"}
    response = client_for(tenant_a, tenant_a.staff).post("/products/new/", form)
    assert response.status_code == 400
    assert "code" in response.context["form"].errors


def test_products_filter_by_protein_storage_and_edible(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        ProductFactory(code="B1", protein="beef", storage="fresh")
        ProductFactory(code="P1", protein="pork", storage="frozen")
        ProductFactory(code="P2", protein="pork", storage="fresh", is_edible=False)
    client = client_for(tenant_a, tenant_a.viewer)
    codes = lambda params: [r["code"] for r in client.get(URL, params).json()["results"]]  # noqa: E731
    assert codes({"protein": "pork"}) == ["P1", "P2"]
    assert codes({"protein": "pork", "storage": "fresh"}) == ["P2"]
    assert codes({"is_edible": "false"}) == ["P2"]
    assert codes({"q": "p1"}) == ["P1"]
