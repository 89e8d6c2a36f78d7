"""/healthz and /readyz answer on every host, before tenant routing."""

import pytest
from django.db import connection

from backend.migration_state import schemas_behind


@pytest.mark.parametrize("host", ["alpha.localhost", "localhost", "unknown.localhost", "10.0.0.5"])
def test_healthz_answers_on_any_host(world, client_for, host):
    response = client_for(host).get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_200_when_everything_is_migrated(world, client_for):
    response = client_for("alpha.localhost").get("/readyz")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] and body["checks"]["migrations"]["ok"]


def test_readyz_is_503_naming_a_schema_with_pending_migrations(world, client_for):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM beta.django_migrations WHERE app = 'audit'")
    response = client_for("localhost").get("/readyz")
    assert response.status_code == 503
    migrations = response.json()["checks"]["migrations"]
    assert migrations["ok"] is False
    assert migrations["schemas_behind"] == ["beta"]


def test_readyz_detects_pending_shared_migrations(world, db):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM public.django_migrations WHERE app = 'accounts'")
    assert "public" in schemas_behind()


def test_schemas_behind_query_count_does_not_grow_with_tenants(world, db, django_assert_num_queries):
    from django.test.utils import CaptureQueriesContext

    from apps.tenants.services import tenant_create

    with CaptureQueriesContext(connection) as two_tenants:
        assert schemas_behind() == {}
    tenant_create(schema_name="gamma", name="Gamma", domain="gamma.localhost", owner_email="o@gamma.test")
    connection.set_schema_to_public()
    with django_assert_num_queries(len(two_tenants.captured_queries)):
        assert schemas_behind() == {}
