"""Invoices and payments over the API and pages: create from a sales order, issue, printable invoice,
payments with allocations, over-allocation 400, role refusals, lists, CSV and tenant isolation."""

import pytest
from django.conf import settings
from django_tenants.utils import tenant_context

from apps.accounting.models import Invoice, Payment
from apps.accounting.tests.factories import delivered_order, issued_invoice
from apps.records.testing import assert_list_queries_flat
from apps.sales.models import SalesOrder

INVOICES_API, PAYMENTS_API = "/api/v1/invoices/", "/api/v1/payments/"
INVOICES, PAYMENTS = "/invoices/", "/payments/"


def test_api_invoices_a_delivered_order_and_issues_it(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        order = delivered_order()
    client = client_for(tenant_a, tenant_a.manager)
    created = client.post(INVOICES_API, {"sales_order": order.pk}, content_type="application/json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["number"].startswith("INV-") and body["total"] == "3000.00" and body["currency"]
    issued = client.post(f"{INVOICES_API}{body['id']}/issue/").json()
    assert issued["status"] == "issued" and issued["due_on"]
    again = client.post(INVOICES_API, {"sales_order": order.pk}, content_type="application/json")
    assert again.status_code == 409  # the order is invoiced already


def test_api_payment_allocations_and_over_allocation(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        invoice = issued_invoice(tenant_a.manager)
    client = client_for(tenant_a, tenant_a.manager)
    base = {"kind": "receipt", "customer": invoice.customer_id, "received_on": "2026-12-10"}
    refused = client.post(
        PAYMENTS_API,
        {**base, "amount": "100", "allocations": [{"invoice": invoice.pk, "amount": "100.01"}]},
        content_type="application/json",
    )
    assert refused.status_code == 400 and "allocations" in refused.json()["fields"]
    paid = client.post(
        PAYMENTS_API,
        {**base, "amount": "3000", "allocations": [{"invoice": invoice.pk, "amount": "3000"}]},
        content_type="application/json",
    )
    assert paid.status_code == 201, paid.json()
    assert client.get(f"{INVOICES_API}{invoice.pk}/").json()["status"] == "paid"


@pytest.mark.parametrize("role", ["viewer", "staff"])
def test_api_roles_below_manager_cannot_invoice_or_record_payments(tenant_a, client_for, role):
    with tenant_context(tenant_a.tenant):
        order = delivered_order()
        invoice = issued_invoice(tenant_a.manager)
    client = client_for(tenant_a, tenant_a.user(role))
    assert client.get(INVOICES_API).status_code == 200
    assert client.post(INVOICES_API, {"sales_order": order.pk}, content_type="application/json").status_code == 403
    assert client.post(f"{INVOICES_API}{invoice.pk}/void/").status_code == 403
    payment = {"kind": "receipt", "customer": invoice.customer_id, "received_on": "2026-12-10", "amount": "1"}
    assert client.post(PAYMENTS_API, payment, content_type="application/json").status_code == 403


@pytest.mark.parametrize("url", [INVOICES_API, INVOICES, PAYMENTS_API, PAYMENTS])
def test_list_query_counts_do_not_grow(tenant_a, client_for, url):
    def rows(count):
        for _ in range(count):
            invoice = issued_invoice(tenant_a.manager)
            Payment.objects.create(kind="receipt", customer=invoice.customer, received_on="2026-12-01", amount=1)

    assert_list_queries_flat(
        client=client_for(tenant_a, tenant_a.viewer), url=url, tenant=tenant_a.tenant, create_rows=rows
    )


def test_printable_invoice_page_shows_lines_totals_and_due_date(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        invoice = issued_invoice(tenant_a.manager)
    page = client_for(tenant_a, tenant_a.viewer).get(f"{INVOICES}{invoice.pk}/").content.decode()
    assert invoice.number in page and "$3,000.00" in page and f"{invoice.due_on:%Y-%m-%d}" in page
    assert "Record payment" not in page
    # Printing hides the shell: the rules live in the one stylesheet the page links (no inline styles).
    assert "/static/css/app.css" in page
    assert "@media print" in (settings.BASE_DIR / "static" / "css" / "app.css").read_text()


def test_pages_invoice_from_the_sales_order_then_issue_and_record_a_payment(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        order = delivered_order()
    client = client_for(tenant_a, tenant_a.manager)
    assert "Create invoice" in client.get(f"/sales-orders/{order.pk}/").content.decode()
    response = client.post(f"{INVOICES}new/", {"sales_order": order.pk})
    assert response.status_code == 302
    with tenant_context(tenant_a.tenant):
        invoice = Invoice.objects.get(sales_order=order)
    assert client.post(f"{INVOICES}{invoice.pk}/issue/").status_code == 302
    form = client.get(f"{PAYMENTS}new/", {"kind": "receipt", "customer": invoice.customer_id, "invoice": invoice.pk})
    assert form.status_code == 200 and "3000.00" in form.content.decode()
    data = {
        "kind": "receipt",
        "customer": invoice.customer_id,
        "received_on": "2026-12-10",
        "amount": "3000.00",
        "reference": "WIRE-1",
        "allocations-TOTAL_FORMS": "1",
        "allocations-INITIAL_FORMS": "0",
        "allocations-0-invoice": invoice.pk,
        "allocations-0-amount": "3000.00",
    }
    over = client.post(f"{PAYMENTS}new/", {**data, "allocations-0-amount": "3000.01"})
    assert over.status_code == 400 and "open on" in over.content.decode()
    assert client.post(f"{PAYMENTS}new/", data).status_code == 302
    with tenant_context(tenant_a.tenant):
        assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.PAID
        assert SalesOrder.objects.get(pk=order.pk).status == SalesOrder.Status.INVOICED


def test_pages_refuse_staff_writes(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        order = delivered_order()
        invoice = issued_invoice(tenant_a.manager)
    client = client_for(tenant_a, tenant_a.staff)
    assert client.post(f"{INVOICES}new/", {"sales_order": order.pk}).status_code == 403
    assert client.post(f"{INVOICES}{invoice.pk}/void/").status_code == 403
    assert client.get(f"{PAYMENTS}new/").status_code == 403


def test_refused_transition_page_shows_the_reason(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        invoice = issued_invoice(tenant_a.manager)
    response = client_for(tenant_a, tenant_a.manager).post(f"{INVOICES}{invoice.pk}/issue/")
    assert response.status_code == 400 and "cannot be issued" in response.content.decode()


def test_other_tenant_invoices_and_payments_are_not_found(tenant_a, tenant_b, client_for):
    with tenant_context(tenant_b.tenant):
        order = delivered_order()
        invoice = issued_invoice(tenant_b.manager)
        payment = Payment.objects.create(kind="receipt", customer=invoice.customer, received_on="2026-12-01", amount=1)
    client = client_for(tenant_a, tenant_a.owner)
    for url in (
        f"{INVOICES_API}{invoice.pk}/",
        f"{INVOICES}{invoice.pk}/",
        f"{PAYMENTS_API}{payment.pk}/",
        f"{PAYMENTS}{payment.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"{INVOICES_API}{invoice.pk}/void/").status_code == 404
    assert client.post(f"{INVOICES}{invoice.pk}/void/").status_code == 404
    assert client.post(f"{INVOICES}new/", {"sales_order": order.pk}).status_code == 404
    assert client.post(INVOICES_API, {"sales_order": order.pk}, content_type="application/json").status_code == 400
    with tenant_context(tenant_b.tenant):
        assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.ISSUED


def test_outsider_and_anonymous_are_refused(tenant_a, outsider, client_for):
    for url in (INVOICES_API, PAYMENTS_API, INVOICES, PAYMENTS):
        assert client_for(tenant_a, outsider).get(url).status_code == 403
    assert client_for(tenant_a).get(INVOICES_API).status_code in (401, 403)
    for url in (INVOICES, PAYMENTS, f"{INVOICES}1/"):
        response = client_for(tenant_a).get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_csv_exports(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        invoice = issued_invoice(tenant_a.manager)
    client = client_for(tenant_a, tenant_a.viewer)
    rows = b"".join(client.get(f"{INVOICES}export.csv").streaming_content).decode().splitlines()
    assert rows[0] == "number,status,customer,issued_on,due_on,total,paid,balance"
    assert rows[1].startswith(f"{invoice.number},issued,") and rows[1].endswith(",3000.00,0.00,3000.00")
    assert client.get(f"{PAYMENTS}export.csv").status_code == 200
