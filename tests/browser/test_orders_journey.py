"""Issue 6's journey on the demo world (acme.localhost, as the manager): buy → sell from that purchase →
ship and deliver → invoice and issue → see it in AR aging → record the payment → the invoice is paid and
gone from aging. The invoice URL on globex.localhost is refused (404)."""

import pytest
from django_tenants.utils import tenant_context

from apps.accounting.models import Invoice
from apps.tenants.management.commands.seed_demo import DEMO_PASSWORD
from apps.tenants.models import Client
from backend.clock import tenant_today
from tests.browser.conftest import sign_in, wait_for_htmx

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

# Left untouched by the demo history (apps/reports/demo.py), so the aging row is this journey's alone.
CUSTOMER = "Tex-Border Export"


def _sign_in(page, base: str, email: str) -> None:
    sign_in(page, base, email, DEMO_PASSWORD)


def _click(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state()


def _aging_row(page, base: str) -> str:
    page.goto(f"{base}/reports/ar-aging/")
    rows = page.locator("table tbody tr", has_text=CUSTOMER)
    return rows.first.inner_text() if rows.count() else ""


def test_purchase_sale_invoice_payment_and_aging(demo_world, page, live_server_port):
    acme = f"http://acme.localhost:{live_server_port}"
    globex = f"http://globex.localhost:{live_server_port}"
    today = tenant_today(Client.objects.get(schema_name="acme")).isoformat()
    _sign_in(page, acme, "manager@acme.example")

    # Purchase: 10 cases of pork loin from Prairie Land Pork's Storm Lake plant.
    page.goto(f"{acme}/purchase-orders/new/")
    page.locator("#id_supplier").select_option(label="PLP — Prairie Land Pork")
    wait_for_htmx(page)  # the supplier's plants are swapped in
    page.locator("#id_plant").select_option(label="PLP-SL — Prairie Land Pork — Storm Lake")
    page.locator("#id_pickup_date").fill(today)
    page.locator("#id_lines-0-product").select_option(label="410-FZ — Pork loin, bone-in")
    page.locator("#id_lines-0-cases").fill("10")
    page.locator("#id_lines-0-weight").fill("650")
    page.locator("#id_lines-0-unit_cost").fill("2.10")
    _click(page, "Save draft")
    page.wait_for_selector("h1:has-text('PO-')")
    po_number = page.locator("h1").inner_text().split()[0]
    _click(page, "Confirm")
    page.wait_for_selector("h1:has-text('Confirmed')")

    # Sale sourced from that purchase line.
    page.goto(f"{acme}/sales-orders/new/")
    page.locator("#id_customer").select_option(label="TXB — Tex-Border Export")
    page.locator("#id_ship_to").select_option(label="Tex-Border Export — TXB-LR — Laredo cross-dock")
    page.locator("#id_delivery_date").fill(today)
    # Whatever product was picked, selecting the purchase line swaps in the product it implies (HTMX).
    page.locator("#id_lines-0-product").select_option(index=1)
    page.locator("#id_lines-0-cases").fill("10")
    source = page.locator("#id_lines-0-source option", has_text=po_number).first.get_attribute("value")
    page.locator("#id_lines-0-source").select_option(value=source)
    wait_for_htmx(page)
    assert page.locator("#id_lines-0-product option:checked").inner_text() == "410-FZ — Pork loin, bone-in"
    assert page.locator("#id_lines-0-cases").input_value() == "10"  # typed before the swap, kept
    page.locator("#id_lines-0-cases").fill("10")
    page.locator("#id_lines-0-weight").fill("650")
    page.locator("#id_lines-0-unit_price").fill("2.45")
    _click(page, "Save draft")
    page.wait_for_selector("h1:has-text('SO-')")
    body = page.content()
    assert po_number in body and "$1,592.50" in body and "$227.50" in body  # total and margin
    _click(page, "Confirm")
    _click(page, "Mark shipped")
    _click(page, "Mark delivered")
    page.wait_for_selector("h1:has-text('Delivered')")

    # Invoice it, issue it: it is in AR aging, not yet due.
    _click(page, "Create invoice")
    page.wait_for_selector("h1:has-text('Invoice INV-')")
    _click(page, "Issue")
    page.wait_for_selector("h1:has-text('Issued')")
    invoice_url = page.url
    assert "$1,592.50" in page.content()
    assert "1,592.50" in _aging_row(page, acme)

    # The customer pays: the payment form comes prefilled with the invoice's balance.
    page.goto(invoice_url)
    page.get_by_role("link", name="Record payment").click()
    page.locator("#id_received_on").fill(today)
    page.locator("#id_amount").fill("1592.50")
    page.locator("#id_reference").fill("WIRE-TXB-1")
    _click(page, "Record payment")
    page.wait_for_selector("h1:has-text('Customer receipt')")
    page.goto(invoice_url)
    assert "Paid" in page.locator("h1").inner_text()
    assert "1,592.50" not in _aging_row(page, acme)

    # globex cannot open acme's invoice URL.
    page.context.clear_cookies()
    _sign_in(page, globex, "manager@globex.example")
    path = invoice_url.split(str(live_server_port), 1)[1]
    response = page.goto(f"{globex}{path}")
    assert "Tex-Border" not in page.content()
    # Ids are per schema: the URL names globex's own invoice with that id if one exists, else 404.
    invoice_id = int(path.strip("/").split("/")[-1])
    with tenant_context(Client.objects.get(schema_name="globex")):
        globex_has_that_id = Invoice.objects.filter(pk=invoice_id).exists()
    assert response.status == (200 if globex_has_that_id else 404)
    assert not globex_has_that_id  # with the demo world as seeded, acme's journey invoice id is unused on globex
