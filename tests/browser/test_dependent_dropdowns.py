"""Dependent dropdowns in a real browser (HTMX swaps): the purchase-order form's supplier swaps in only its
plants. (A sales line's "Sold from" swapping in its product is part of tests/browser/test_orders_journey.py.)"""

import pytest
from django_tenants.utils import tenant_context

from apps.partners.models import Plant
from apps.tenants.management.commands.seed_demo import DEMO_PASSWORD
from apps.tenants.models import Client
from tests.browser.conftest import sign_in, wait_for_htmx

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def test_the_plant_list_follows_the_supplier(demo_world, page, live_server_port):
    acme = f"http://acme.localhost:{live_server_port}"
    sign_in(page, acme, "manager@acme.example", DEMO_PASSWORD)
    page.goto(f"{acme}/purchase-orders/new/")
    page.locator("#id_supplier").select_option(label="PLP — Prairie Land Pork")
    wait_for_htmx(page)
    offered = {value for value in page.locator("#id_plant option").evaluate_all("os => os.map(o => o.value)") if value}
    with tenant_context(Client.objects.get(schema_name="acme")):
        own = {str(pk) for pk in Plant.objects.filter(supplier__code="PLP").values_list("pk", flat=True)}
        assert offered == own and Plant.objects.exclude(supplier__code="PLP").exists()
