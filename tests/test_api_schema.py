"""The OpenAPI document generates without warnings, validates against the OpenAPI 3 schema, lists every
business resource, and the docs page serves its assets locally."""

from io import StringIO

import yaml
from django.core.management import call_command

RESOURCES = ["suppliers", "customers", "plants", "carriers", "contacts", "locations", "products"]


def test_openapi_schema_generates_without_warnings_and_validates(world, db):
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", "--urlconf", "projectmeats.urls", stdout=out)
    schema = yaml.safe_load(out.getvalue())
    assert schema["openapi"].startswith("3.")
    for resource in RESOURCES:
        assert f"/api/v1/{resource}/" in schema["paths"]
        assert f"/api/v1/{resource}/{{id}}/archive/" in schema["paths"]
        assert "delete" not in schema["paths"][f"/api/v1/{resource}/{{id}}/"]
    for resource in ("suppliers", "customers", "products"):
        assert f"/api/v1/{resource}/import/" in schema["paths"]
        assert f"/api/v1/{resource}/export/" in schema["paths"]


def test_schema_and_docs_are_served_on_tenant_hosts_without_cdn(tenant_a, client_for):
    client = client_for(tenant_a, tenant_a.viewer)
    schema = client.get("/api/v1/schema/", {"format": "json"})
    assert schema.status_code == 200
    assert "/api/v1/suppliers/" in schema.json()["paths"]
    docs = client.get("/api/v1/docs/").content.decode()
    assert "swagger-ui" in docs
    assert "cdn." not in docs and "unpkg" not in docs and "jsdelivr" not in docs
