"""Issue 18 in a real browser (demo world, acme): the menu on a phone, keyboard-only use, destructive actions
that ask first, live order totals, and the same pages without JavaScript."""

import datetime

import pytest

from apps.tenants.management.commands.seed_demo import DEMO_PASSWORD
from tests.browser.conftest import sign_in, wait_for_htmx

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

PHONE = {"width": 390, "height": 844}


def _base(port: int) -> str:
    return f"http://acme.localhost:{port}"


def test_phone_menu_opens_and_navigates(demo_world, page, live_server_port):
    base = _base(live_server_port)
    page.set_viewport_size(PHONE)
    sign_in(page, base, "viewer@acme.example", DEMO_PASSWORD)
    nav = page.locator("#mainnav")
    assert not nav.is_visible()
    menu = page.get_by_role("button", name="Menu")
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true" and nav.is_visible()
    nav.get_by_text("Partners", exact=True).click()
    nav.get_by_role("link", name="Suppliers").click()
    page.wait_for_url(f"{base}/suppliers/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_keyboard_reaches_search_and_the_main_action(demo_world, page, live_server_port):
    base = _base(live_server_port)
    sign_in(page, base, "staff@acme.example", DEMO_PASSWORD)
    page.goto(f"{base}/suppliers/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to content"
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "global-q"
    page.keyboard.type("PLP")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/search/?q=PLP")
    assert page.get_by_role("link", name="Prairie Land Pork").count() >= 1
    page.goto(f"{base}/suppliers/")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "New supplier":
            break
    else:
        pytest.fail("Tab never reached 'New supplier'")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/suppliers/new/")


def test_new_purchase_order_shows_live_totals_and_cancel_asks_first(demo_world, page, live_server_port):
    base = _base(live_server_port)
    sign_in(page, base, "manager@acme.example", DEMO_PASSWORD)
    page.goto(f"{base}/purchase-orders/new/")
    page.locator("#id_supplier").select_option(label="PLP — Prairie Land Pork")
    wait_for_htmx(page)  # the supplier's plants are swapped in
    page.locator("#id_plant").select_option(label="PLP-SL — Prairie Land Pork — Storm Lake")
    page.locator("#id_pickup_date").fill(datetime.date(2026, 12, 18).isoformat())
    page.get_by_label("Product, line 1").select_option(label="410-FZ — Pork loin, bone-in")
    page.get_by_label("Cases, line 1").fill("10")
    page.get_by_label("Weight, line 1").fill("1000")
    page.get_by_label("Cost per unit, line 1").fill("2.10")
    assert page.locator("#lines-total").inner_text() == "$2,100.00"
    page.get_by_role("button", name="Save draft", exact=True).click()
    page.wait_for_selector("h1:has-text('PO-')")
    assert "Net 14" in page.locator(".record-fields").inner_text()  # Prairie Land Pork's own terms
    detail = page.url

    page.get_by_role("button", name="Cancel order…").click()
    dialog = page.get_by_role("alertdialog")
    assert dialog.is_visible() and "cannot be undone" in dialog.inner_text()
    assert "Draft" in page.locator("h1").inner_text()
    dialog.get_by_role("link", name="Keep it").click()
    page.wait_for_url(detail)
    assert "Draft" in page.locator("h1").inner_text()
    page.get_by_role("button", name="Cancel order…").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Cancel order").click()
    page.wait_for_selector("h1:has-text('Cancelled')")


def test_pages_work_without_javascript_on_a_phone(demo_world, browser, live_server_port):
    base = _base(live_server_port)
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    try:
        sign_in(page, base, "owner@acme.example", DEMO_PASSWORD)
        page.get_by_role("link", name="Menu").click()
        page.wait_for_url(f"{base}/menu/")
        page.get_by_role("link", name="Invoices").click()
        page.wait_for_url(f"{base}/invoices/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.get_by_label("Status").select_option(label="Paid")
        page.get_by_role("button", name="Apply").click()
        page.wait_for_url(f"{base}/invoices/?*status=paid*")
        page.goto(f"{base}/search/?q=tex")
        assert page.get_by_role("link", name="Tex-Border Export").count() >= 1
    finally:
        context.close()
