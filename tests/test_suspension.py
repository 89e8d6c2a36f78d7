"""A suspended (or offboarding) tenant answers with 423 and no data, on pages and API alike."""

import pytest

from apps.tenants.models import Client


def _set_status(tenant_world, status: str) -> None:
    Client.objects.filter(pk=tenant_world.tenant.pk).update(status=status)


@pytest.mark.parametrize("status", ["suspended", "offboarding"])
def test_inactive_tenant_pages_answer_423_without_data(tenant_a, client_for, status):
    _set_status(tenant_a, status)
    response = client_for(tenant_a, tenant_a.owner).get("/")
    assert response.status_code == 423
    assert "suspended" in response.text
    assert "Alpha Meats" in response.text  # the tenant's name only, nothing from its schema


def test_inactive_tenant_api_answers_423_json(tenant_a, client_for):
    _set_status(tenant_a, "suspended")
    response = client_for(tenant_a, tenant_a.owner).get("/api/v1/anything/")
    assert response.status_code == 423
    assert response.json()["code"] == "tenant_suspended"


def test_other_tenants_are_unaffected(tenant_a, tenant_b, client_for):
    _set_status(tenant_a, "suspended")
    assert client_for(tenant_b, tenant_b.owner).get("/").status_code == 200


def test_health_endpoints_still_answer_on_suspended_host(tenant_a, client_for):
    _set_status(tenant_a, "suspended")
    assert client_for(tenant_a).get("/healthz").status_code == 200
