"""Purchase-order pages: list (filters, CSV), detail with the buttons the role may use, draft form with line
formset, transitions, refusals and isolation."""

import pytest
from django_tenants.utils import tenant_context

from apps.partners.tests.factories import PlantFactory, SupplierFactory
from apps.products.tests.factories import ProductFactory
from apps.purchasing.models import PurchaseOrder
from apps.purchasing.tests.factories import PurchaseOrderFactory, order_with_lines
from apps.records.testing import assert_list_queries_flat

LIST = "/purchase-orders/"
Status = PurchaseOrder.Status


def _form(tenant, **lines):
    with tenant_context(tenant.tenant):
        supplier = SupplierFactory()
        plant = PlantFactory(supplier=supplier)
        product = ProductFactory()
    data = {
        "supplier": supplier.pk,
        "plant": plant.pk,
        "pickup_date": "2026-12-01",
        "terms": "",
        "notes": "",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-0-product": product.pk,
        "lines-0-cases": "12",
        "lines-0-weight": "720.00",
        "lines-0-unit_cost": "2.5",
    }
    data.update({f"lines-0-{key}": value for key, value in lines.items()})
    return data


def test_list_page_filters_by_status(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        PurchaseOrderFactory(number="PO-2026-00101", status=Status.CONFIRMED)
        PurchaseOrderFactory(number="PO-2026-00102")
    client = client_for(tenant_a, tenant_a.viewer)
    page = client.get(LIST, {"status": "confirmed"}).content.decode()
    assert "PO-2026-00101" in page and "PO-2026-00102" not in page
    assert "Purchase orders" in client.get(LIST).content.decode()


def test_list_page_query_count_does_not_grow_with_rows(tenant_a, client_for):
    client = client_for(tenant_a, tenant_a.viewer)
    assert_list_queries_flat(
        client=client, url=LIST, tenant=tenant_a.tenant, create_rows=lambda n: [order_with_lines(2) for _ in range(n)]
    )


def test_csv_export_page(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        order_with_lines(1, number="PO-2026-00103")
    response = client_for(tenant_a, tenant_a.viewer).get(f"{LIST}export.csv")
    assert response.status_code == 200
    assert "PO-2026-00103" in b"".join(response.streaming_content).decode()


def test_staff_creates_a_draft_with_lines_through_the_form(tenant_a, client_for):
    response = client_for(tenant_a, tenant_a.staff).post(f"{LIST}new/", _form(tenant_a))
    assert response.status_code == 302, response.context and response.context["form"].errors
    with tenant_context(tenant_a.tenant):
        order = PurchaseOrder.objects.get()
        assert response["Location"] == f"{LIST}{order.pk}/"
        assert [(line.cases, str(line.weight)) for line in order.lines.all()] == [(12, "720.00")]


def test_form_shows_errors_for_header_and_lines(tenant_a, client_for):
    data = _form(tenant_a, weight="-1")
    with tenant_context(tenant_a.tenant):
        data["plant"] = PlantFactory().pk
    response = client_for(tenant_a, tenant_a.staff).post(f"{LIST}new/", data)
    assert response.status_code == 400
    assert response.context["formset"].errors[0]
    with tenant_context(tenant_a.tenant):
        assert not PurchaseOrder.objects.exists()
    response = client_for(tenant_a, tenant_a.staff).post(f"{LIST}new/", {**data, "lines-0-weight": "5"})
    assert response.status_code == 400
    assert "another supplier" in response.content.decode()


def test_staff_edits_a_draft_and_a_confirmed_order_is_no_longer_editable(tenant_a, client_for):
    data = _form(tenant_a)
    with tenant_context(tenant_a.tenant):
        supplier = SupplierFactory()
        draft = PurchaseOrderFactory(supplier=supplier, plant=PlantFactory(supplier=supplier))
        confirmed = order_with_lines(1, status=Status.CONFIRMED)
    client = client_for(tenant_a, tenant_a.staff)
    assert client.get(f"{LIST}{draft.pk}/edit/").status_code == 200
    response = client.post(f"{LIST}{draft.pk}/edit/", {**data, "notes": "Dock 4"})
    assert response.status_code == 302, (response.context["form"].errors, response.context["formset"].errors)
    with tenant_context(tenant_a.tenant):
        draft.refresh_from_db()
        assert draft.notes == "Dock 4" and draft.lines.count() == 1
    assert client.get(f"{LIST}{confirmed.pk}/edit/")["Location"] == f"{LIST}{confirmed.pk}/"


def test_detail_shows_lines_and_only_the_buttons_the_role_may_use(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        order = order_with_lines(2)
        product = order.lines.first().product
    url = f"{LIST}{order.pk}/"
    manager_page = client_for(tenant_a, tenant_a.manager).get(url).content.decode()
    assert product.code in manager_page and "$10,200.00" in manager_page
    assert f"{url}confirm/" in manager_page and f"{url}cancel/" in manager_page and f"{url}close/" not in manager_page
    staff_page = client_for(tenant_a, tenant_a.staff).get(url).content.decode()
    assert f"{url}confirm/" not in staff_page and f"{url}edit/" in staff_page
    viewer_page = client_for(tenant_a, tenant_a.viewer).get(url).content.decode()
    assert f"{url}edit/" not in viewer_page


def test_manager_confirms_receives_with_catch_weight_and_closes(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        order = order_with_lines(1)
        line = order.lines.get()
    client = client_for(tenant_a, tenant_a.manager)
    assert client.post(f"{LIST}{order.pk}/confirm/").status_code == 302
    assert client.post(f"{LIST}{order.pk}/receive/", {f"received_{line.pk}": "1188.4"}).status_code == 302
    assert client.post(f"{LIST}{order.pk}/close/").status_code == 302
    with tenant_context(tenant_a.tenant):
        line.refresh_from_db()
        assert str(line.received_weight) == "1188.40" and line.order.status == Status.CLOSED


def test_refused_transition_shows_the_reason(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        order = order_with_lines(1, status=Status.CANCELLED)
    response = client_for(tenant_a, tenant_a.manager).post(f"{LIST}{order.pk}/confirm/")
    assert response.status_code == 400 and "cannot be confirmed" in response.content.decode()


@pytest.mark.parametrize("role", ["viewer", "staff"])
def test_roles_below_manager_are_refused_transitions(tenant_a, client_for, role):
    with tenant_context(tenant_a.tenant):
        order = order_with_lines(1)
    assert client_for(tenant_a, tenant_a.user(role)).post(f"{LIST}{order.pk}/confirm/").status_code == 403
    with tenant_context(tenant_a.tenant):
        assert PurchaseOrder.objects.get(pk=order.pk).status == Status.DRAFT


def test_viewer_is_refused_the_forms(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        order = order_with_lines(1)
    client = client_for(tenant_a, tenant_a.viewer)
    assert client.get(f"{LIST}new/").status_code == 403
    assert client.post(f"{LIST}new/", _form(tenant_a)).status_code == 403
    assert client.post(f"{LIST}{order.pk}/edit/", _form(tenant_a)).status_code == 403


def test_other_tenants_order_pages_are_not_found(tenant_a, tenant_b, client_for):
    with tenant_context(tenant_b.tenant):
        theirs = order_with_lines(1)
    client = client_for(tenant_a, tenant_a.owner)
    for suffix in ("", "edit/"):
        assert client.get(f"{LIST}{theirs.pk}/{suffix}").status_code == 404
    for verb in ("confirm", "cancel", "receive", "close"):
        assert client.post(f"{LIST}{theirs.pk}/{verb}/").status_code == 404
    assert client.post(f"{LIST}{theirs.pk}/explode/").status_code == 404


def test_outsider_is_refused_and_anonymous_is_sent_to_login(tenant_a, outsider, client_for):
    assert client_for(tenant_a, outsider).get(LIST).status_code == 403
    for url in (LIST, f"{LIST}new/", f"{LIST}1/", f"{LIST}1/confirm/"):
        response = client_for(tenant_a).get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_more_lines_button_keeps_the_entries_and_adds_empty_rows_without_saving(tenant_a, client_for):
    data = {**_form(tenant_a), "add_rows": "1"}
    response = client_for(tenant_a, tenant_a.staff).post(f"{LIST}new/", data)
    assert response.status_code == 200
    formset = response.context["formset"]
    assert formset.total_form_count() == 4  # the one filled-in row, then three empty ones (issue 18)
    assert 'value="720.00"' in response.content.decode() or 'value="720"' in response.content.decode()
    with tenant_context(tenant_a.tenant):
        assert not PurchaseOrder.objects.exists()


def test_detail_queries_do_not_grow_with_lines(tenant_a, client_for):
    from apps.purchasing.tests.factories import PurchaseOrderLineFactory

    with tenant_context(tenant_a.tenant):
        order = order_with_lines(1)
    assert_list_queries_flat(
        client=client_for(tenant_a, tenant_a.manager),
        url=f"{LIST}{order.pk}/",
        tenant=tenant_a.tenant,
        create_rows=lambda count: PurchaseOrderLineFactory.create_batch(count, order=order),
    )
