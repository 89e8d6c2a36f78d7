"""Sales orders over the API and pages: create with sourced lines, credit override, transitions by role,
lists (filters, query counts, CSV), refusals and tenant isolation."""

import pytest
from django_tenants.utils import tenant_context

from apps.partners.tests.factories import CustomerFactory, LocationFactory
from apps.purchasing.models import PurchaseOrder
from apps.purchasing.tests.factories import PurchaseOrderLineFactory
from apps.records.testing import assert_list_queries_flat
from apps.sales.models import SalesOrder
from apps.sales.tests.factories import order_with_lines

API = "/api/v1/sales-orders/"
PAGES = "/sales-orders/"
Status = SalesOrder.Status


def _payload(world, credit_limit="100000"):
    with tenant_context(world.tenant):
        customer = CustomerFactory(credit_limit=credit_limit)
        ship_to = LocationFactory(customer=customer)
        source = PurchaseOrderLineFactory(order__status=PurchaseOrder.Status.CONFIRMED)
    return {
        "customer": customer.pk,
        "ship_to": ship_to.pk,
        "delivery_date": "2026-12-05",
        "lines": [
            {"product": source.product_id, "source": source.pk, "cases": 4, "weight": "240", "unit_price": "5.005"}
        ],
    }


def test_api_creates_an_order_with_a_sourced_line_and_margin(tenant_a, client_for):
    response = client_for(tenant_a, tenant_a.staff).post(API, _payload(tenant_a), content_type="application/json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["total"] == "1201.20" and body["margin"] == "181.20"
    assert body["lines"][0]["cost"] == "1020.00" and body["lines"][0]["margin"] == "181.20"


def test_api_refuses_over_allocation_with_a_field_error(tenant_a, client_for):
    payload = _payload(tenant_a)
    payload["lines"][0]["cases"] = 21
    response = client_for(tenant_a, tenant_a.staff).post(API, payload, content_type="application/json")
    assert response.status_code == 400 and "lines.0.source" in response.json()["fields"]


def test_api_credit_limit_refusal_and_override(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        order = order_with_lines(customer=CustomerFactory(credit_limit="100"))
    client = client_for(tenant_a, tenant_a.manager)
    refused = client.post(f"{API}{order.pk}/confirm/", {}, content_type="application/json")
    assert refused.status_code == 400 and "override_reason" in refused.json()["fields"]
    allowed = client.post(f"{API}{order.pk}/confirm/", {"override_reason": "CFO ok"}, content_type="application/json")
    assert allowed.status_code == 200 and allowed.json()["credit_override_reason"] == "CFO ok"


def test_api_walks_confirm_ship_deliver(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        order = order_with_lines()
    client = client_for(tenant_a, tenant_a.manager)
    for verb, status in (("confirm", "confirmed"), ("ship", "shipped"), ("deliver", "delivered")):
        assert client.post(f"{API}{order.pk}/{verb}/").json()["status"] == status
    assert client.post(f"{API}{order.pk}/cancel/").status_code == 409  # a state conflict


@pytest.mark.parametrize("role", ["viewer", "staff"])
def test_api_roles_below_manager_cannot_transition(tenant_a, client_for, role):
    with tenant_context(tenant_a.tenant):
        order = order_with_lines()
    for verb in ("confirm", "cancel"):
        assert client_for(tenant_a, tenant_a.user(role)).post(f"{API}{order.pk}/{verb}/").status_code == 403


def test_api_viewer_cannot_create(tenant_a, client_for):
    response = client_for(tenant_a, tenant_a.viewer).post(API, _payload(tenant_a), content_type="application/json")
    assert response.status_code == 403


@pytest.mark.parametrize("url", [API, PAGES])
def test_lists_query_counts_do_not_grow(tenant_a, client_for, url):
    assert_list_queries_flat(
        client=client_for(tenant_a, tenant_a.viewer),
        url=url,
        tenant=tenant_a.tenant,
        create_rows=lambda n: [order_with_lines(2) for _ in range(n)],
    )


def test_lists_filter_and_export(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        order_with_lines(number="SO-2026-00001", status=Status.CONFIRMED)
        order_with_lines(number="SO-2026-00002")
    client = client_for(tenant_a, tenant_a.viewer)
    assert [o["number"] for o in client.get(API, {"status": "confirmed"}).json()["results"]] == ["SO-2026-00001"]
    page = client.get(PAGES, {"status": "draft"}).content.decode()
    assert "SO-2026-00002" in page and "SO-2026-00001" not in page
    csv = b"".join(client.get(f"{PAGES}export.csv").streaming_content).decode().splitlines()
    assert csv[0] == "number,status,customer,ship_to,delivery_date,total,margin" and len(csv) == 3


def test_page_form_creates_a_sourced_draft(tenant_a, client_for):
    payload = _payload(tenant_a)
    line = payload.pop("lines")[0]
    form = {**payload, "notes": "", "lines-TOTAL_FORMS": "3", "lines-INITIAL_FORMS": "0"}
    form.update({f"lines-0-{key}": value for key, value in line.items()})
    response = client_for(tenant_a, tenant_a.staff).post(f"{PAGES}new/", form)
    assert response.status_code == 302
    with tenant_context(tenant_a.tenant):
        order = SalesOrder.objects.get()
        assert order.lines.get().source_id == line["source"]
    detail = client_for(tenant_a, tenant_a.staff).get(f"{PAGES}{order.pk}/").content.decode()
    assert order.number in detail and "181.20" in detail


def test_page_form_shows_allocation_errors(tenant_a, client_for):
    payload = _payload(tenant_a)
    line = payload.pop("lines")[0] | {"cases": 99}
    form = {**payload, "notes": "", "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0"}
    form.update({f"lines-0-{key}": value for key, value in line.items()})
    response = client_for(tenant_a, tenant_a.staff).post(f"{PAGES}new/", form)
    assert response.status_code == 400 and "left to sell" in response.content.decode()


def test_page_shows_override_field_and_confirms_with_a_reason(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        order = order_with_lines(customer=CustomerFactory(credit_limit="10"))
    client = client_for(tenant_a, tenant_a.manager)
    page = client.get(f"{PAGES}{order.pk}/").content.decode()
    assert 'name="override_reason"' in page
    refused = client.post(f"{PAGES}{order.pk}/confirm/")
    assert refused.status_code == 400 and "credit limit" in refused.content.decode()
    assert client.post(f"{PAGES}{order.pk}/confirm/", {"override_reason": "Known payer"}).status_code == 302
    assert "Known payer" in client.get(f"{PAGES}{order.pk}/").content.decode()


def test_page_staff_sees_no_transition_buttons_and_is_refused(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        order = order_with_lines()
    client = client_for(tenant_a, tenant_a.staff)
    assert f"{PAGES}{order.pk}/confirm/" not in client.get(f"{PAGES}{order.pk}/").content.decode()
    assert client.post(f"{PAGES}{order.pk}/confirm/").status_code == 403


def test_other_tenant_is_not_found_everywhere(tenant_a, tenant_b, client_for):
    with tenant_context(tenant_b.tenant):
        theirs = order_with_lines()
    client = client_for(tenant_a, tenant_a.owner)
    assert client.get(f"{API}{theirs.pk}/").status_code == 404
    assert client.patch(f"{API}{theirs.pk}/", {"notes": "x"}, content_type="application/json").status_code == 404
    assert client.get(f"{PAGES}{theirs.pk}/").status_code == 404
    assert client.get(f"{PAGES}{theirs.pk}/edit/").status_code == 404
    for verb in ("confirm", "ship", "deliver", "cancel"):
        assert client.post(f"{API}{theirs.pk}/{verb}/").status_code == 404
        assert client.post(f"{PAGES}{theirs.pk}/{verb}/").status_code == 404


def test_outsider_and_anonymous_are_refused(tenant_a, outsider, client_for):
    assert client_for(tenant_a, outsider).get(API).status_code == 403
    assert client_for(tenant_a, outsider).get(PAGES).status_code == 403
    assert client_for(tenant_a).get(API).status_code in (401, 403)
    response = client_for(tenant_a).get(PAGES)
    assert response.status_code == 302 and response["Location"].startswith("/login/")
