"""Every partner and product resource, API and pages alike: happy path, one validation error, role
refusal, another tenant's id → 404, outsider refused, list queries flat in the number of rows."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django_tenants.utils import tenant_context

from apps.partners.tests.factories import (
    CarrierFactory,
    ContactFactory,
    CustomerFactory,
    LocationFactory,
    PlantFactory,
    SupplierFactory,
)
from apps.products.tests.factories import ProductFactory
from apps.records.testing import assert_list_queries_flat


@dataclass(frozen=True)
class Resource:
    path: str
    factory: Any
    valid: Callable[[], dict]  # run inside the tenant, may create the records it points at
    invalid: dict
    invalid_field: str
    form_defaults: dict | None = None  # choices the API defaults but the page form asks for

    def __str__(self) -> str:
        return self.path


def _supplier_id() -> int:
    return SupplierFactory().pk


def _customer_id() -> int:
    return CustomerFactory().pk


RESOURCES = [
    Resource(
        "suppliers",
        SupplierFactory,
        lambda: {"code": "NEW1", "name": "New"},
        {"code": "", "name": "X"},
        "code",
        {"payment_terms": 30},
    ),
    Resource(
        "customers",
        CustomerFactory,
        lambda: {"code": "NEW1", "name": "New", "payment_terms": 45, "credit_limit": "1000.00"},
        {"code": "C1", "name": "X", "credit_limit": "-1"},
        "credit_limit",
        {"status": "active"},
    ),
    Resource(
        "plants",
        PlantFactory,
        lambda: {"supplier": _supplier_id(), "code": "NEW1", "name": "New", "establishment_number": "M123"},
        {"code": "P1", "name": "X", "establishment_number": "M123"},
        "supplier",
    ),
    Resource(
        "carriers",
        CarrierFactory,
        lambda: {"code": "NEW1", "name": "New", "mc_number": "123456", "dot_number": "7654321"},
        {"code": "K1", "name": "X", "mc_number": "12AB"},
        "mc_number",
    ),
    Resource(
        "contacts",
        ContactFactory,
        lambda: {"name": "New Person", "supplier": _supplier_id()},
        {"name": "", "email": "x@example.test"},
        "name",
    ),
    Resource(
        "locations",
        LocationFactory,
        lambda: {"code": "NEW1", "name": "New", "kind": "ship_to", "customer": _customer_id()},
        {"code": "L1", "name": "X", "kind": "dock"},
        "kind",
    ),
    Resource(
        "products",
        ProductFactory,
        lambda: {"code": "NEW1", "description": "Pork loin", "protein": "pork", "case_weight": "40.00"},
        {"code": "PX", "description": "X", "protein": "pork", "case_weight": "-5"},
        "case_weight",
        {"storage": "frozen", "weight_type": "catch", "unit": "lb", "package_type": "box"},
    ),
]
resources = pytest.mark.parametrize("resource", RESOURCES, ids=str)


@resources
def test_staff_creates_through_api(tenant_a, client_for, resource):
    with tenant_context(tenant_a.tenant):
        payload = resource.valid()
    response = client_for(tenant_a, tenant_a.staff).post(
        f"/api/v1/{resource.path}/", payload, content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["created_by_id"] == tenant_a.staff.pk


@resources
def test_staff_creates_through_page(tenant_a, client_for, resource):
    with tenant_context(tenant_a.tenant):
        payload = {"country": "US", **(resource.form_defaults or {}), **resource.valid()}
    response = client_for(tenant_a, tenant_a.staff).post(f"/{resource.path}/new/", payload)
    assert response.status_code == 302, response.context["form"].errors


@resources
def test_invalid_input_gets_field_error_on_api_and_page(tenant_a, client_for, resource):
    client = client_for(tenant_a, tenant_a.staff)
    api = client.post(f"/api/v1/{resource.path}/", resource.invalid, content_type="application/json")
    assert api.status_code == 400
    assert resource.invalid_field in api.json()["fields"]
    page = client.post(f"/{resource.path}/new/", {**resource.invalid, "country": "US"})
    assert page.status_code == 400
    assert resource.invalid_field in page.context["form"].errors


@resources
def test_viewer_reads_but_cannot_create_or_archive(tenant_a, client_for, resource):
    with tenant_context(tenant_a.tenant):
        record = resource.factory()
        payload = resource.valid()
    client = client_for(tenant_a, tenant_a.viewer)
    assert client.get(f"/api/v1/{resource.path}/{record.pk}/").status_code == 200
    assert client.get(f"/{resource.path}/{record.pk}/").status_code == 200
    assert client.post(f"/api/v1/{resource.path}/", payload, content_type="application/json").status_code == 403
    assert client.post(f"/api/v1/{resource.path}/{record.pk}/archive/").status_code == 403
    assert client.post(f"/{resource.path}/new/", payload).status_code == 403
    assert client.post(f"/{resource.path}/{record.pk}/archive/").status_code == 403


@resources
def test_staff_archives(tenant_a, client_for, resource):
    with tenant_context(tenant_a.tenant):
        record = resource.factory()
    response = client_for(tenant_a, tenant_a.staff).post(f"/api/v1/{resource.path}/{record.pk}/archive/")
    assert response.status_code == 200
    with tenant_context(tenant_a.tenant):
        record.refresh_from_db()
    assert record.is_archived


@resources
def test_other_tenants_record_is_not_found(tenant_a, tenant_b, client_for, resource):
    with tenant_context(tenant_b.tenant):
        theirs = resource.factory()
    client = client_for(tenant_a, tenant_a.owner)
    assert client.get(f"/api/v1/{resource.path}/{theirs.pk}/").status_code == 404
    assert client.patch(f"/api/v1/{resource.path}/{theirs.pk}/", {}, content_type="application/json").status_code == 404
    assert client.get(f"/{resource.path}/{theirs.pk}/").status_code == 404
    assert client.post(f"/{resource.path}/{theirs.pk}/archive/").status_code == 404


@resources
def test_outsider_is_refused(tenant_a, outsider, client_for, resource):
    client = client_for(tenant_a, outsider)
    assert client.get(f"/api/v1/{resource.path}/").status_code == 403
    assert client.get(f"/{resource.path}/").status_code == 403
    assert client.get(f"/{resource.path}/new/").status_code == 403


@resources
def test_api_list_queries_do_not_grow_with_rows(tenant_a, client_for, resource):
    client = client_for(tenant_a, tenant_a.viewer)
    assert_list_queries_flat(
        client=client,
        url=f"/api/v1/{resource.path}/",
        tenant=tenant_a.tenant,
        create_rows=resource.factory.create_batch,
    )


@resources
def test_list_page_queries_do_not_grow_with_rows(tenant_a, client_for, resource):
    client = client_for(tenant_a, tenant_a.viewer)
    assert_list_queries_flat(
        client=client, url=f"/{resource.path}/", tenant=tenant_a.tenant, create_rows=resource.factory.create_batch
    )
