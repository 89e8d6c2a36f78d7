"""The record table component: right-aligned formatted money, a totals row over the whole filtered list,
and an empty state that offers the next step."""

import re

from django_tenants.utils import tenant_context

from apps.accounting.tests.factories import issued_invoice


def test_invoice_list_totals_the_filtered_list_not_just_the_page(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        for _ in range(3):
            issued_invoice(tenant_a.manager)  # 3,000.00 each
    client = client_for(tenant_a, tenant_a.viewer)
    page = client.get("/invoices/", {"status": "issued"}).text
    footer = re.search(r"<tfoot>.*?</tfoot>", page, re.S).group(0)
    assert '<td class="num">$9,000.00</td>' in footer
    assert page.count('<td class="num">$3,000.00</td>') >= 3
    empty = client.get("/invoices/", {"status": "void"}).text
    assert "No invoices match these filters." in empty and 'href="/invoices/">Clear filters</a>' in empty


def test_empty_list_offers_to_create_the_first_record(tenant_a, client_for):
    page = client_for(tenant_a, tenant_a.staff).get("/carriers/").text
    assert "No carriers yet." in page and 'href="/carriers/new/">New carrier</a>' in page
    assert "New carrier</a>" not in client_for(tenant_a, tenant_a.viewer).get("/carriers/").text.split("</h1>")[1]
