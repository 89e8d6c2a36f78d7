"""The invoice and payment lists' customer filter stays light with thousands of customers: above a limit it
is a code text box instead of a select with every customer, and it accepts a code or an id either way."""

import pytest
from django_tenants.utils import tenant_context

from apps.accounting.tests.factories import issued_invoice
from apps.partners.tests.factories import CustomerFactory
from apps.records.selectors import BoundedSelect

INVOICES, API = "/invoices/", "/api/v1/invoices/"


@pytest.fixture
def two_invoices(tenant_a):
    with tenant_context(tenant_a.tenant):
        first = issued_invoice(tenant_a.manager)
        second = issued_invoice(tenant_a.manager)
    return first, second


def test_a_few_customers_render_as_a_select(tenant_a, client_for, two_invoices):
    first, _second = two_invoices
    page = client_for(tenant_a, tenant_a.viewer).get(INVOICES).content.decode()
    assert '<select name="customer"' in page and f'<option value="{first.customer_id}">' in page


def test_many_customers_render_as_a_code_box_not_thousands_of_options(tenant_a, client_for, two_invoices, monkeypatch):
    monkeypatch.setattr(BoundedSelect, "limit", 1)
    first, second = two_invoices
    client = client_for(tenant_a, tenant_a.viewer)
    page = client.get(INVOICES).content.decode()
    assert (
        '<select name="customer"' not in page
        and 'name="customer"' in page
        and '<option value="' + str(first.customer_id) not in page
    )
    filtered = client.get(INVOICES, {"customer": first.customer.code.lower()}).content.decode()
    assert first.number in filtered and second.number not in filtered
    assert f'value="{first.customer.code.lower()}"' in filtered  # the box keeps what was typed


def test_the_filter_takes_a_code_or_an_id_and_refuses_unknown_ones(tenant_a, client_for, two_invoices):
    first, second = two_invoices
    client = client_for(tenant_a, tenant_a.viewer)
    for value in (first.customer_id, first.customer.code):
        numbers = [row["number"] for row in client.get(API, {"customer": value}).json()["results"]]
        assert numbers == [first.number], value
    with tenant_context(tenant_a.tenant):
        stranger = CustomerFactory()
    assert client.get(API, {"customer": stranger.code}).json()["count"] == 0
    assert client.get(API, {"customer": "NO-SUCH-CODE"}).status_code == 400
    assert client.get(API, {"customer": "999999"}).status_code == 400
    assert client.get("/payments/", {"customer": first.customer.code}).status_code == 200
