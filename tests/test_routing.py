"""Host-based routing: each tenant host serves its own tenant; unknown hosts get a bare 404."""

from apps.tenants.models import Client


def test_tenant_home_shows_its_own_name_to_its_members(tenant_a, tenant_b, client_for):
    response = client_for(tenant_a, tenant_a.viewer).get("/")
    assert response.status_code == 200
    assert "Alpha Meats" in response.text
    assert "Beta Provisions" not in response.text
    assert "Beta Provisions" in client_for(tenant_b, tenant_b.viewer).get("/").text


def test_tenant_home_sends_anonymous_visitors_to_login(tenant_a, client_for):
    response = client_for(tenant_a).get("/")
    assert response.status_code == 302
    assert response.url == "/login/?next=/"


def test_unknown_host_is_404_and_names_no_tenant(tenant_a, client_for):
    response = client_for("nosuch.localhost").get("/")
    assert response.status_code == 404
    for name in Client.objects.exclude(schema_name="public").values_list("name", flat=True):
        assert name not in response.text


def test_unknown_host_never_serves_the_public_site(world, client_for):
    response = client_for("nosuch.localhost").get("/admin/")
    assert response.status_code == 404
    assert "Django administration" not in response.text


def test_disallowed_host_is_404(world, client_for):
    assert client_for("evil.example.com").get("/").status_code == 404


def test_public_host_serves_landing_not_tenant_data(tenant_a, client_for):
    response = client_for("localhost").get("/")
    assert response.status_code == 200
    assert "ProjectMeats" in response.text
    assert "Alpha Meats" not in response.text


def test_admin_is_only_on_public_host(tenant_a, client_for):
    assert client_for("localhost").get("/admin/login/").status_code == 200
    assert client_for(tenant_a, tenant_a.owner).get("/admin/login/").status_code == 404


def test_unknown_path_on_tenant_host_uses_branded_404(tenant_a, client_for):
    response = client_for(tenant_a, tenant_a.viewer).get("/no-such-page/")
    assert response.status_code == 404
    assert "Alpha Meats" in response.text
