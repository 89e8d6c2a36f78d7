"""Tenant hosts serve only signed-in members of that tenant (page 403 / JSON 403 otherwise)."""

import pytest

from apps.accounts.models import Membership


@pytest.mark.parametrize("world_name", ["tenant_a", "tenant_b"])
def test_outsider_is_refused_on_both_tenant_hosts(world_name, outsider, client_for, request):
    tenant_world = request.getfixturevalue(world_name)
    response = client_for(tenant_world, outsider).get("/")
    assert response.status_code == 403
    assert "Access denied" in response.text
    assert tenant_world.tenant.name in response.text  # branded page, not another tenant's


def test_member_of_alpha_is_refused_on_beta(tenant_a, tenant_b, client_for):
    assert client_for(tenant_b, tenant_a.owner).get("/").status_code == 403


@pytest.mark.parametrize("role", ["owner", "admin", "manager", "staff", "viewer"])
def test_every_role_opens_its_tenant_home(tenant_a, client_for, role):
    assert client_for(tenant_a, tenant_a.user(role)).get("/").status_code == 200


def test_anonymous_visitor_is_redirected_to_login_with_next(tenant_a, client_for):
    response = client_for(tenant_a).get("/members/?page=2")
    assert response.status_code == 302
    assert response.url == "/login/?next=/members/%3Fpage%3D2"


@pytest.mark.parametrize("path", ["/password-reset/", "/invitations/not-a-token/"])
def test_open_pages_are_served_to_anonymous_visitors(tenant_a, client_for, path):
    response = client_for(tenant_a).get(path)
    # The reset form renders; an unknown invitation token is the invitation page's own 404.
    assert response.status_code == (200 if path == "/password-reset/" else 404)
    assert "Location" not in response.headers


API_PATH = "/api/v1/auth/whoami/"


def test_member_api_call_is_served(tenant_a, client_for):
    response = client_for(tenant_a, tenant_a.viewer).get(API_PATH)
    assert response.status_code == 200
    assert response.json()["role"] == "viewer"


def test_anonymous_api_call_gets_json_not_a_login_redirect(tenant_a, client_for):
    response = client_for(tenant_a).get(API_PATH)
    assert response.status_code in (401, 403)
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


def test_outsider_api_call_gets_json_403(tenant_a, outsider, client_for):
    response = client_for(tenant_a, outsider).get(API_PATH)
    assert response.status_code == 403
    assert response.json() == {"detail": "You do not have access to this organisation.", "code": "not_a_member"}


def test_other_tenants_member_api_call_gets_json_403(tenant_a, tenant_b, client_for):
    response = client_for(tenant_a, tenant_b.owner).post(API_PATH, {})
    assert response.status_code == 403
    assert response.json() == {"detail": "You do not have access to this organisation.", "code": "not_a_member"}


def test_deactivated_membership_is_refused(tenant_a, client_for):
    Membership.objects.filter(user=tenant_a.staff, tenant=tenant_a.tenant).update(is_active=False)
    assert client_for(tenant_a, tenant_a.staff).get("/").status_code == 403


def test_deactivated_user_is_signed_out(tenant_a, client_for):
    client = client_for(tenant_a, tenant_a.staff)
    tenant_a.staff.__class__.objects.filter(pk=tenant_a.staff.pk).update(is_active=False)
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_public_host_is_not_gated(world, client_for):
    assert client_for("localhost").get("/").status_code == 200
