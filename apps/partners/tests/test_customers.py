"""Customer rules: payment terms Net 7…60 only, credit limit a non-negative amount, status filter."""

import pytest
from django_tenants.utils import tenant_context

from apps.partners.models import Customer
from apps.partners.tests.factories import CustomerFactory, LocationFactory

URL = "/api/v1/customers/"


@pytest.mark.parametrize("terms", [7, 14, 21, 30, 45, 60])
def test_each_net_term_is_accepted(tenant_a, client_for, terms):
    payload = {"code": f"T{terms}", "name": "Terms Co", "payment_terms": terms, "credit_limit": "0"}
    response = client_for(tenant_a, tenant_a.staff).post(URL, payload, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["payment_terms"] == terms


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"payment_terms": 10}, "payment_terms"),
        ({"credit_limit": "-0.01"}, "credit_limit"),
        ({"credit_limit": "lots"}, "credit_limit"),
        ({"credit_limit": "1.234"}, "credit_limit"),
        ({"status": "gone"}, "status"),
    ],
)
def test_malformed_customer_values_are_refused(tenant_a, client_for, payload, field):
    response = client_for(tenant_a, tenant_a.staff).post(
        URL, {"code": "BAD", "name": "Bad", **payload}, content_type="application/json"
    )
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_negative_credit_limit_is_a_form_error_on_the_page(tenant_a, client_for):
    form = {"code": "NEG", "name": "Neg", "payment_terms": "30", "credit_limit": "-5", "status": "active"}
    response = client_for(tenant_a, tenant_a.staff).post("/customers/new/", {**form, "country": "US"})
    assert response.status_code == 400
    assert "credit_limit" in response.context["form"].errors
    with tenant_context(tenant_a.tenant):
        assert not Customer.objects.filter(code="NEG").exists()


def test_credit_limit_is_kept_as_exact_decimal(tenant_a, client_for):
    payload = {"code": "DEC", "name": "Dec", "credit_limit": "12345.67"}
    body = client_for(tenant_a, tenant_a.staff).post(URL, payload, content_type="application/json").json()
    assert body["credit_limit"] == "12345.67"


def test_customers_filter_by_status(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        CustomerFactory(code="ON", status="active")
        CustomerFactory(code="HOLD", status="on_hold")
    body = client_for(tenant_a, tenant_a.viewer).get(URL, {"status": "on_hold"}).json()
    assert [row["code"] for row in body["results"]] == ["HOLD"]


def test_customer_detail_shows_its_locations(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        customer = CustomerFactory()
        LocationFactory(customer=customer, name="South Boston Dock", kind="ship_to")
        LocationFactory(customer=customer, name="Old Dock", is_archived=True)
    body = client_for(tenant_a, tenant_a.viewer).get(f"/customers/{customer.pk}/").content.decode()
    assert "South Boston Dock" in body
    assert "Old Dock" not in body
