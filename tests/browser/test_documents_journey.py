"""Issue 19's journey on the demo world (acme.localhost, as the manager): sell → deliver → invoice and issue →
download the invoice PDF → e-mail it (the send is on the invoice's history) → record the payment → the
customer's account balance and statement (CSV) change."""

import io
import re
from decimal import Decimal

import pytest
from pypdf import PdfReader

from apps.tenants.management.commands.seed_demo import DEMO_PASSWORD
from apps.tenants.models import Client
from backend.clock import tenant_today
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def _click(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state()


def _balance(page, base: str, customer_url: str) -> Decimal:
    page.goto(f"{base}{customer_url}")
    text = page.locator("[data-testid=balance]").inner_text()
    return Decimal(re.sub(r"[^0-9.\-]", "", text) or "0")


def test_invoice_pdf_email_payment_and_statement(demo_world, page, live_server_port):
    acme = f"http://acme.localhost:{live_server_port}"
    today = tenant_today(Client.objects.get(schema_name="acme")).isoformat()
    sign_in(page, acme, "manager@acme.example", DEMO_PASSWORD)

    # The customer's account before: find it from the customer page's "Account & statement" link.
    page.goto(f"{acme}/customers/?q=TXB")
    page.get_by_role("link", name="TXB").first.click()
    page.get_by_role("link", name="Account & statement").click()
    account_url = page.url.split(str(live_server_port), 1)[1]
    before = _balance(page, acme, account_url)
    with page.expect_download() as download:
        page.get_by_role("link", name="Statement CSV").click()
    statement_before = download.value.path().read_text()

    page.goto(f"{acme}/sales-orders/new/")
    page.locator("#id_customer").select_option(label="TXB — Tex-Border Export")
    page.locator("#id_ship_to").select_option(label="Tex-Border Export — TXB-LR — Laredo cross-dock")
    page.locator("#id_delivery_date").fill(today)
    page.locator("#id_lines-0-product").select_option(label="410-FZ — Pork loin, bone-in")
    page.locator("#id_lines-0-cases").fill("4")
    page.locator("#id_lines-0-weight").fill("200")
    page.locator("#id_lines-0-unit_price").fill("3.00")
    _click(page, "Save draft")
    page.wait_for_selector("h1:has-text('SO-')")
    _click(page, "Confirm")
    _click(page, "Mark shipped")
    _click(page, "Mark delivered")
    _click(page, "Create invoice")
    _click(page, "Issue")
    page.wait_for_selector("h1:has-text('Issued')")
    invoice_url = page.url
    number = page.locator("h1").inner_text().split()[1]

    # Download the PDF: it names the invoice, the customer and the total.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    content = download.value.path().read_bytes()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert number in text and "Tex-Border Export" in text and "$600.00" in text

    # E-mail it: the send is queued and on the invoice's history.
    page.get_by_role("link", name="E-mail…").click()
    page.locator("#id_other").fill("ap@texborder.example")
    _click(page, "Send")
    page.wait_for_selector("text=queued to be e-mailed")
    assert "ap@texborder.example" in page.locator("#send-history").locator("xpath=..").inner_text()

    after_invoice = _balance(page, acme, account_url)
    assert after_invoice == before + Decimal("600.00")

    # The customer pays; the balance falls back and the statement shows both.
    page.goto(invoice_url)
    page.get_by_role("link", name="Record payment").click()
    page.locator("#id_received_on").fill(today)
    page.locator("#id_amount").fill("600.00")
    page.locator("#id_reference").fill("WIRE-TXB-DOC")
    _click(page, "Record payment")
    page.wait_for_selector("h1:has-text('Customer receipt')")
    assert _balance(page, acme, account_url) == before
    ledger = page.locator("#ledger-heading").locator("xpath=..").inner_text()
    assert number in ledger and "WIRE-TXB-DOC" in ledger
    with page.expect_download() as download:
        page.get_by_role("link", name="Statement CSV").click()
    statement = download.value.path().read_text()
    assert number in statement and "WIRE-TXB-DOC" in statement
    assert number not in statement_before and "WIRE-TXB-DOC" not in statement_before
