"""Supplier pages: list (search, filter, sort, paginate, HTMX fragment), detail, forms, archive, refusals."""

from django_tenants.utils import tenant_context

from apps.partners.models import Supplier
from apps.partners.tests.factories import ContactFactory, PlantFactory, SupplierFactory
from apps.records.testing import assert_list_queries_flat

LIST = "/suppliers/"
FORM = {"code": "ip-01", "name": "Iowa Premium", "payment_terms": "14", "country": "US"}


def test_supplier_list_page_searches_filters_and_sorts(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        SupplierFactory(code="S1", name="Zeta Beef", payment_terms=7)
        SupplierFactory(code="S2", name="Alpha Pork", payment_terms=30)
        SupplierFactory(code="S3", name="Midwest Beef", payment_terms=30)
    client = client_for(tenant_a, tenant_a.viewer)
    page = client.get(LIST, {"q": "beef", "ordering": "-name"}).content.decode()
    assert page.index("Zeta Beef") < page.index("Midwest Beef")
    assert "Alpha Pork" not in page
    page = client.get(LIST, {"payment_terms": "7"}).content.decode()
    assert "Zeta Beef" in page and "Midwest Beef" not in page


def test_supplier_list_page_paginates(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        SupplierFactory.create_batch(30)
    client = client_for(tenant_a, tenant_a.viewer)
    first = client.get(LIST)
    assert "Page 1 of 2" in first.content.decode()
    assert len(first.context["rows"]) == 25
    assert len(client.get(LIST, {"page": 2}).context["rows"]) == 5


def test_htmx_request_gets_only_the_table_fragment(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        SupplierFactory(name="Fragment Foods")
    response = client_for(tenant_a, tenant_a.viewer).get(LIST, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'id="record-table"' in body and "Fragment Foods" in body
    assert "<html" not in body


def test_full_list_page_loads_vendored_htmx(tenant_a, client_for):
    body = client_for(tenant_a, tenant_a.viewer).get(LIST).content.decode()
    assert "/static/vendor/htmx.min.js" in body
    assert "<html" in body


def test_supplier_detail_shows_plants_and_contacts(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        supplier = SupplierFactory()
        PlantFactory(supplier=supplier, name="Dakota City Plant", establishment_number="M245")
        ContactFactory(supplier=supplier, name="Dana Sales")
    body = client_for(tenant_a, tenant_a.viewer).get(f"{LIST}{supplier.pk}/").content.decode()
    assert "Dakota City Plant" in body and "M245" in body and "Dana Sales" in body


def test_staff_creates_supplier_through_the_form(tenant_a, client_for):
    response = client_for(tenant_a, tenant_a.staff).post(f"{LIST}new/", FORM)
    assert response.status_code == 302
    with tenant_context(tenant_a.tenant):
        supplier = Supplier.objects.get(code="IP-01")
    assert response["Location"] == f"{LIST}{supplier.pk}/"
    assert supplier.created_by_id == tenant_a.staff.pk


def test_form_shows_field_errors_and_keeps_values(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        SupplierFactory(code="IP-01")
    response = client_for(tenant_a, tenant_a.staff).post(f"{LIST}new/", {**FORM, "email": "nope", "name": "Kept"})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "code" in errors and "email" in errors
    assert 'value="Kept"' in response.content.decode()


def test_staff_edits_supplier(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        supplier = SupplierFactory(code="ED1")
    response = client_for(tenant_a, tenant_a.staff).post(
        f"{LIST}{supplier.pk}/edit/", {**FORM, "code": "ED1", "name": "Renamed"}
    )
    assert response.status_code == 302
    with tenant_context(tenant_a.tenant):
        assert Supplier.objects.get(pk=supplier.pk).name == "Renamed"


def test_archive_asks_for_confirmation_then_archives(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        supplier = SupplierFactory()
    client = client_for(tenant_a, tenant_a.staff)
    confirm = client.get(f"{LIST}{supplier.pk}/archive/")
    assert confirm.status_code == 200 and "Archive" in confirm.content.decode()
    with tenant_context(tenant_a.tenant):
        assert Supplier.objects.get(pk=supplier.pk).is_archived is False
    assert client.post(f"{LIST}{supplier.pk}/archive/").status_code == 302
    with tenant_context(tenant_a.tenant):
        assert Supplier.objects.get(pk=supplier.pk).is_archived is True


def test_viewer_sees_no_edit_actions_and_is_refused_write_pages(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        supplier = SupplierFactory()
    client = client_for(tenant_a, tenant_a.viewer)
    assert "New supplier" not in client.get(LIST).content.decode()
    assert f"{LIST}{supplier.pk}/edit/" not in client.get(f"{LIST}{supplier.pk}/").content.decode()
    assert client.get(f"{LIST}new/").status_code == 403
    assert client.post(f"{LIST}new/", FORM).status_code == 403
    assert client.post(f"{LIST}{supplier.pk}/edit/", FORM).status_code == 403
    assert client.post(f"{LIST}{supplier.pk}/archive/").status_code == 403
    with tenant_context(tenant_a.tenant):
        assert not Supplier.objects.filter(code="IP-01").exists()


def test_staff_sees_edit_actions(tenant_a, client_for):
    assert "New supplier" in client_for(tenant_a, tenant_a.staff).get(LIST).content.decode()


def test_other_tenants_supplier_page_is_not_found(tenant_a, tenant_b, client_for):
    with tenant_context(tenant_b.tenant):
        theirs = SupplierFactory()
    client = client_for(tenant_a, tenant_a.admin)
    for suffix in ("", "edit/", "archive/"):
        assert client.get(f"{LIST}{theirs.pk}/{suffix}").status_code == 404
    assert client.post(f"{LIST}{theirs.pk}/archive/").status_code == 404


def test_outsider_is_refused_and_anonymous_is_sent_to_login(tenant_a, outsider, client_for):
    assert client_for(tenant_a, outsider).get(LIST).status_code == 403
    response = client_for(tenant_a).get(LIST)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_supplier_list_page_query_count_does_not_grow_with_rows(tenant_a, client_for):
    client = client_for(tenant_a, tenant_a.viewer)
    assert_list_queries_flat(client=client, url=LIST, tenant=tenant_a.tenant, create_rows=SupplierFactory.create_batch)


def test_supplier_detail_queries_do_not_grow_with_related_rows(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        supplier = SupplierFactory()
    client = client_for(tenant_a, tenant_a.viewer)
    url = f"{LIST}{supplier.pk}/"

    def add(count: int) -> None:
        PlantFactory.create_batch(count, supplier=supplier)
        ContactFactory.create_batch(count, supplier=supplier)

    assert_list_queries_flat(client=client, url=url, tenant=tenant_a.tenant, create_rows=add)
