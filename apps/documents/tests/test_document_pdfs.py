"""Invoice, purchase-order and order-confirmation PDFs: the text a reader sees (number, parties, lines,
totals, company details, money in the tenant's locale), who may fetch them, and a fixed query count."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from apps.accounting.tests.factories import issued_invoice
from apps.documents.models import CompanyDetails
from apps.documents.tests.conftest import pdf_text
from apps.partners.tests.factories import CustomerFactory
from apps.purchasing.tests.factories import order_with_lines as purchase_order_with_lines
from apps.sales.tests.factories import order_with_lines


def _invoice(tenant_world, lines: int = 1):
    with tenant_context(tenant_world.tenant):
        customer = CustomerFactory(name="Harbor & Sons Foodservice", street="9 Pier Rd", credit_limit=Decimal("1e7"))
        CompanyDetails.objects.update_or_create(
            key=1,
            defaults={
                "legal_name": "Alpha Meats LLC",
                "street": "1 Stockyard Ave",
                "city": "Omaha",
                "state": "NE",
                "postal_code": "68107",
                "tax_id": "EIN 12-3456789",
                "remit_to": "PO Box 77, Omaha NE",
                "bank_details": "First Bank · routing 123456789 · account 0001112",
            },
        )
        return issued_invoice(
            tenant_world.manager, customer=customer, issued_on=datetime.date(2026, 11, 2), count=lines
        )


def test_invoice_pdf_shows_number_parties_lines_totals_and_company_details(tenant_a, client_for):
    invoice = _invoice(tenant_a, lines=3)
    response = client_for(tenant_a, tenant_a.viewer).get(f"/invoices/{invoice.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    text = pdf_text(response.content)
    assert invoice.number in text and invoice.sales_order.number in text
    assert "Alpha Meats LLC" in text and "1 Stockyard Ave" in text and "EIN 12-3456789" in text
    assert "Harbor & Sons Foodservice" in text and "9 Pier Rd" in text
    for line in invoice.sales_order.lines.all():
        assert line.product.code in text
    assert text.count("$3,000.00") >= 3  # each line
    assert "$9,000.00" in text and "Balance due" in text
    assert "PO Box 77, Omaha NE" in text and "routing 123456789" in text
    assert "Nov 2, 2026" in text  # issue date in the tenant's locale


def test_invoice_pdf_download_and_locale(tenant_a, client_for):
    invoice = _invoice(tenant_a)
    tenant = tenant_a.tenant
    before = (tenant.locale, tenant.currency)
    tenant.locale, tenant.currency = "de_DE", "EUR"
    tenant.save(update_fields=["locale", "currency"])
    try:
        response = client_for(tenant_a, tenant_a.viewer).get(f"/invoices/{invoice.pk}/pdf/?download=1")
    finally:
        tenant.locale, tenant.currency = before
        tenant.save(update_fields=["locale", "currency"])
    assert response["Content-Disposition"] == f'attachment; filename="invoice-{invoice.number}.pdf"'
    text = pdf_text(response.content)
    assert "3.000,00" in text and "€" in text and "02.11.2026" in text


def test_invoice_pdf_query_count_does_not_grow_with_lines(tenant_a, client_for):
    few, many = _invoice(tenant_a, lines=2), _invoice(tenant_a, lines=50)
    client = client_for(tenant_a, tenant_a.viewer)
    client.get(f"/invoices/{few.pk}/pdf/")
    counts = []
    for invoice in (few, many):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/invoices/{invoice.pk}/pdf/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] and counts[1] <= 16, counts


def test_purchase_order_and_order_confirmation_pdfs(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        order = purchase_order_with_lines(count=2)
        sales = order_with_lines(count=2)
    client = client_for(tenant_a, tenant_a.viewer)
    text = pdf_text(client.get(f"/purchase-orders/{order.pk}/pdf/").content)
    assert "Purchase order" in text and order.number in text and order.supplier.name in text
    assert order.plant.establishment_number in text and "$10,200.00" in text  # 2 × 1200 lb × 4.25
    text = pdf_text(client.get(f"/sales-orders/{sales.pk}/pdf/").content)
    assert "Order confirmation" in text and sales.number in text and sales.customer.name in text


@pytest.mark.parametrize("path", ["/invoices/{}/pdf/", "/purchase-orders/{}/pdf/", "/sales-orders/{}/pdf/"])
def test_another_tenants_document_is_not_found_and_outsiders_are_refused(
    tenant_a, tenant_b, client_for, outsider, path
):
    with tenant_context(tenant_b.tenant):
        invoice = issued_invoice(tenant_b.manager)
        documents = {
            "/invoices/{}/pdf/": invoice.pk,
            "/purchase-orders/{}/pdf/": purchase_order_with_lines().pk,
            "/sales-orders/{}/pdf/": invoice.sales_order_id,
        }
    url = path.format(documents[path])
    assert client_for(tenant_a, tenant_a.owner).get(url).status_code == 404
    assert client_for(tenant_b, outsider).get(url).status_code in (302, 403)
    assert client_for(tenant_b).get(url).status_code == 302  # anonymous: to the sign-in page
    assert client_for(tenant_b, tenant_b.viewer).get(url).status_code == 200


def test_claim_pdf_shows_the_claim_its_party_and_settlement(tenant_a, tenant_b, client_for):
    from apps.claims import services as claims

    with tenant_context(tenant_a.tenant):
        invoice = issued_invoice(tenant_a.manager)
        claim = claims.claim_create(
            user=tenant_a.manager,
            data={"sales_line": invoice.sales_order.lines.get(), "reason": "damage", "amount": Decimal("180")},
        )
        claims.claim_approve(claim=claim, user=tenant_a.manager)
        claims.claim_settle(claim=claim, user=tenant_a.manager)
    text = pdf_text(client_for(tenant_a, tenant_a.viewer).get(f"/claims/{claim.pk}/pdf/").content)
    assert f"#{claim.pk}" in text and invoice.sales_order.number in text and invoice.customer.name in text
    assert "Damage" in text and "$180.00" in text and "Settled" in text
    assert client_for(tenant_b, tenant_b.owner).get(f"/claims/{claim.pk}/pdf/").status_code == 404
