"""Suppliers over the REST API: create, list (filter/search/order/paginate), update, archive, refusals."""

import pytest
from django_tenants.utils import tenant_context

from apps.audit.models import AuditEvent
from apps.partners.models import Supplier
from apps.partners.tests.factories import SupplierFactory
from apps.records.testing import assert_list_queries_flat

URL = "/api/v1/suppliers/"
VALID = {"code": "ip-01", "name": "Iowa Premium", "payment_terms": 14, "city": "Tama", "state": "IA"}


def test_staff_creates_supplier_and_the_write_is_audited(tenant_a, client_for):
    response = client_for(tenant_a, tenant_a.staff).post(URL, VALID, content_type="application/json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["code"] == "IP-01"
    assert body["created_by_id"] == tenant_a.staff.pk
    with tenant_context(tenant_a.tenant):
        supplier = Supplier.objects.get(pk=body["id"])
        event = AuditEvent.objects.get(action="supplier.create", object_id=str(supplier.pk))
    assert event.actor_id == tenant_a.staff.pk
    assert event.changes["name"] == [None, "Iowa Premium"]


def test_supplier_list_is_paginated_in_stable_order_and_hides_archived(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        SupplierFactory(code="B1", name="Beta")
        SupplierFactory(code="A1", name="Alpha")
        SupplierFactory(code="C1", name="Gone", is_archived=True)
    body = client_for(tenant_a, tenant_a.viewer).get(URL).json()
    assert body["count"] == 2
    assert [row["code"] for row in body["results"]] == ["A1", "B1"]
    archived = client_for(tenant_a, tenant_a.viewer).get(URL, {"archived": "true"}).json()
    assert [row["code"] for row in archived["results"]] == ["C1"]
    everything = client_for(tenant_a, tenant_a.viewer).get(URL, {"archived": "all"}).json()
    assert [row["code"] for row in everything["results"]] == ["A1", "B1", "C1"]


def test_supplier_list_filters_searches_and_orders(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        SupplierFactory(code="S1", name="Zeta Beef", payment_terms=7, state="TX")
        SupplierFactory(code="S2", name="Alpha Pork", payment_terms=30, state="IA")
        SupplierFactory(code="S3", name="Midwest Beef", payment_terms=30, state="IA")
    client = client_for(tenant_a, tenant_a.viewer)
    assert [r["code"] for r in client.get(URL, {"q": "beef"}).json()["results"]] == ["S1", "S3"]
    assert [r["code"] for r in client.get(URL, {"payment_terms": 30}).json()["results"]] == ["S2", "S3"]
    assert [r["code"] for r in client.get(URL, {"ordering": "-name"}).json()["results"]] == ["S1", "S3", "S2"]


def test_supplier_list_rejects_unknown_filter_values(tenant_a, client_for):
    response = client_for(tenant_a, tenant_a.viewer).get(URL, {"payment_terms": 99})
    assert response.status_code == 400
    assert "payment_terms" in response.json()["fields"]


def test_staff_updates_supplier_and_audit_records_before_and_after(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        supplier = SupplierFactory(name="Old name")
    response = client_for(tenant_a, tenant_a.staff).patch(
        f"{URL}{supplier.pk}/", {"name": "New name"}, content_type="application/json"
    )
    assert response.status_code == 200, response.json()
    with tenant_context(tenant_a.tenant):
        event = AuditEvent.objects.get(action="supplier.update", object_id=str(supplier.pk))
        assert Supplier.objects.get(pk=supplier.pk).updated_by_id == tenant_a.staff.pk
    assert event.changes == {"name": ["Old name", "New name"]}


def test_staff_archives_supplier_and_there_is_no_hard_delete(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        supplier = SupplierFactory()
    client = client_for(tenant_a, tenant_a.staff)
    assert client.delete(f"{URL}{supplier.pk}/").status_code == 405
    response = client.post(f"{URL}{supplier.pk}/archive/")
    assert response.status_code == 200
    assert response.json()["is_archived"] is True
    assert client.post(f"{URL}{supplier.pk}/archive/").status_code == 409
    with tenant_context(tenant_a.tenant):
        assert Supplier.objects.filter(pk=supplier.pk, is_archived=True).exists()
        assert AuditEvent.objects.filter(action="supplier.archive", object_id=str(supplier.pk)).exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"code": "bad code!", "name": "X"}, "code"),
        ({"code": "OK1", "name": ""}, "name"),
        ({"code": "OK2", "name": "X", "payment_terms": 10}, "payment_terms"),
        ({"code": "OK3", "name": "X", "email": "not-an-email"}, "email"),
        ({"code": "OK4", "name": "X", "country": "USA"}, "country"),
    ],
)
def test_malformed_supplier_fields_get_400_with_field_errors(tenant_a, client_for, payload, field):
    response = client_for(tenant_a, tenant_a.staff).post(URL, payload, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()["fields"]


@pytest.mark.parametrize("code", ["DUP-1", "dup-1"])
def test_duplicate_supplier_code_in_same_tenant_is_refused(tenant_a, client_for, code):
    with tenant_context(tenant_a.tenant):
        SupplierFactory(code="DUP-1")
    response = client_for(tenant_a, tenant_a.staff).post(
        URL, {"code": code, "name": "Again"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "code" in response.json()["fields"]


def test_same_supplier_code_is_allowed_in_two_tenants(tenant_a, tenant_b, client_for):
    for world in (tenant_a, tenant_b):
        response = client_for(world, world.staff).post(URL, VALID, content_type="application/json")
        assert response.status_code == 201


def test_viewer_reads_suppliers_but_cannot_write(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        supplier = SupplierFactory()
    client = client_for(tenant_a, tenant_a.viewer)
    assert client.get(f"{URL}{supplier.pk}/").status_code == 200
    assert client.post(URL, VALID, content_type="application/json").status_code == 403
    assert client.patch(f"{URL}{supplier.pk}/", {"name": "X"}, content_type="application/json").status_code == 403
    assert client.post(f"{URL}{supplier.pk}/archive/").status_code == 403


@pytest.mark.parametrize("role", ["staff", "manager", "admin", "owner"])
def test_every_role_from_staff_up_may_create_suppliers(tenant_a, client_for, role):
    response = client_for(tenant_a, tenant_a.user(role)).post(URL, VALID, content_type="application/json")
    assert response.status_code == 201


def test_other_tenants_supplier_is_not_found(tenant_a, tenant_b, client_for):
    with tenant_context(tenant_b.tenant):
        theirs = SupplierFactory()
    client = client_for(tenant_a, tenant_a.admin)
    assert client.get(f"{URL}{theirs.pk}/").status_code == 404
    assert client.get(f"{URL}999999/").status_code == 404
    assert client.patch(f"{URL}{theirs.pk}/", {"name": "X"}, content_type="application/json").status_code == 404
    assert client.post(f"{URL}{theirs.pk}/archive/").status_code == 404
    with tenant_context(tenant_b.tenant):
        assert Supplier.objects.get(pk=theirs.pk).is_archived is False


def test_outsider_and_anonymous_are_refused(tenant_a, outsider, client_for):
    assert client_for(tenant_a, outsider).get(URL).status_code == 403
    assert client_for(tenant_a, outsider).post(URL, VALID, content_type="application/json").status_code == 403
    anonymous = client_for(tenant_a).get(URL)
    assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"].startswith("Bearer")


def test_supplier_list_query_count_does_not_grow_with_rows(tenant_a, client_for):
    client = client_for(tenant_a, tenant_a.viewer)
    assert_list_queries_flat(client=client, url=URL, tenant=tenant_a.tenant, create_rows=SupplierFactory.create_batch)


def test_search_matches_every_term_across_fields_and_follows_edits(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        supplier = SupplierFactory(code="Z9", name="Zeta Beef", city="Omaha")
        SupplierFactory(code="Y9", name="Yotta Beef", city="Boston")
    client = client_for(tenant_a, tenant_a.staff)
    assert [r["code"] for r in client.get(URL, {"q": "beef OMAHA"}).json()["results"]] == ["Z9"]
    assert client.get(URL, {"q": "zeta boston"}).json()["count"] == 0
    client.patch(f"{URL}{supplier.pk}/", {"name": "Renamed Pork"}, content_type="application/json")
    assert [r["code"] for r in client.get(URL, {"q": "renamed"}).json()["results"]] == ["Z9"]
