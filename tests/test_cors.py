"""CORS for browser API clients: an allow-list (CORS_ALLOWED_ORIGINS, empty by default), /api/ only."""

import pytest

ORIGIN = "https://app.partner.example"
PREFLIGHT = {"HTTP_ORIGIN": ORIGIN, "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "GET"}


def test_no_origin_is_allowed_by_default(tenant_a, client_for):
    response = client_for(tenant_a).options("/api/v1/auth/whoami/", **PREFLIGHT)
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize("path", ["/api/v1/auth/whoami/", "/api/v1/auth/token/"])
def test_an_allowed_origin_gets_the_cors_headers_on_the_api(tenant_a, client_for, settings, path):
    settings.CORS_ALLOWED_ORIGINS = [ORIGIN]
    response = client_for(tenant_a).options(path, **PREFLIGHT)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert "authorization" in response.headers["access-control-allow-headers"]
    assert "access-control-allow-credentials" not in response.headers  # bearer tokens, not cookies


def test_other_origins_and_pages_get_nothing(tenant_a, client_for, settings):
    settings.CORS_ALLOWED_ORIGINS = [ORIGIN]
    other = client_for(tenant_a).options("/api/v1/auth/whoami/", **{**PREFLIGHT, "HTTP_ORIGIN": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    page = client_for(tenant_a).get("/login/", HTTP_ORIGIN=ORIGIN)
    assert "access-control-allow-origin" not in page.headers
