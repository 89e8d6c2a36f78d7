"""Issue 5's journey on the demo world: sign in on acme.localhost, create a supplier with a plant, find it
by search, and fail to open it on globex.localhost."""

import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from apps.partners.models import Supplier
from apps.tenants.management.commands.seed_demo import DEMO_PASSWORD
from apps.tenants.models import Client
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def _sign_in(page, base: str, email: str) -> None:
    sign_in(page, base, email, DEMO_PASSWORD)


def test_staff_creates_supplier_with_plant_finds_it_and_globex_cannot_open_it(demo_world, page, live_server_port):
    acme = f"http://acme.localhost:{live_server_port}"
    globex = f"http://globex.localhost:{live_server_port}"
    _sign_in(page, acme, "staff@acme.example")

    # Form labels carry a "*" for required fields; address inputs by their ids.
    page.goto(f"{acme}/suppliers/new/")
    page.locator("#id_code").fill("BRW")
    page.locator("#id_name").fill("Brownfield Packers")
    page.locator("#id_payment_terms").select_option(label="Net 14")
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("h1:has-text('Brownfield Packers')")
    supplier_url = page.url

    page.goto(f"{acme}/plants/new/")
    page.locator("#id_supplier").select_option(label="BRW — Brownfield Packers")
    page.locator("#id_code").fill("BRW-1")
    page.locator("#id_name").fill("Brownfield Plant 1")
    page.locator("#id_establishment_number").fill("M12345")
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("h1:has-text('Brownfield Plant 1')")

    page.goto(supplier_url)
    assert "Brownfield Plant 1" in page.content()  # the supplier's detail lists its plant

    page.goto(f"{acme}/suppliers/")
    page.get_by_label("Search", exact=True).fill("brownfield")
    page.get_by_role("button", name="Apply").click()
    # HTMX swaps the table in place (no navigation to wait for): wait until the filtered rows are there.
    rows = page.locator("#record-table table tbody tr")
    expect(rows).to_have_count(1)
    assert "Brownfield Packers" in rows.first.inner_text()

    # The same record's URL on globex: globex's staff sees "not found", exactly like a missing id.
    page.context.clear_cookies()
    _sign_in(page, globex, "staff@globex.example")
    path = supplier_url.split(str(live_server_port), 1)[1]
    response = page.goto(f"{globex}{path}")
    assert "Brownfield" not in page.content()
    # Ids are per schema: the URL names globex's own row with that id if one exists, else 404.
    supplier_id = int(path.strip("/").split("/")[-1])
    with tenant_context(Client.objects.get(schema_name="globex")):
        globex_has_that_id = Supplier.objects.filter(pk=supplier_id).exists()
    assert response.status == (200 if globex_has_that_id else 404)
    page.goto(f"{globex}/suppliers/?q=brownfield")
    assert "Brownfield" not in page.content()
