"""/healthz answers everyone on every host; /readyz only trusted addresses (READYZ_ALLOWED_NETWORKS) or a
caller with READYZ_TOKEN, names no tenant, and is cached for READYZ_CACHE_SECONDS."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend import health
from backend.migration_state import schemas_behind


@pytest.fixture(autouse=True)
def _no_cached_readiness():
    health.readiness_cache_clear()
    yield
    health.readiness_cache_clear()


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


def test_readyz_is_503_counting_schemas_with_pending_migrations_without_naming_them(world, client_for):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM beta.django_migrations WHERE app = 'audit'")
    response = client_for("localhost").get("/readyz")
    assert response.status_code == 503
    migrations = response.json()["checks"]["migrations"]
    assert migrations == {"ok": False, "count": 1}
    assert "beta" not in response.text  # a schema name is a customer's name


@pytest.mark.parametrize("address", ["203.0.113.7", "2001:db8::1"])
def test_readyz_is_not_found_for_untrusted_addresses(world, client_for, address):
    response = client_for("alpha.localhost").get("/readyz", REMOTE_ADDR=address)
    assert response.status_code == 404
    assert "checks" not in response.text


def test_readyz_answers_an_untrusted_address_with_the_token(world, client_for, settings):
    settings.READYZ_TOKEN = "t" * 40
    client = client_for("localhost")
    assert client.get("/readyz", REMOTE_ADDR="203.0.113.7", HTTP_X_READYZ_TOKEN="t" * 40).status_code == 200
    assert client.get("/readyz", REMOTE_ADDR="203.0.113.7", HTTP_X_READYZ_TOKEN="wrong").status_code == 404


def test_readyz_behind_a_proxy_judges_the_real_client(world, client_for, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    forwarded = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    assert client_for("localhost").get("/readyz", **forwarded).status_code == 404


def test_readyz_is_cached_for_a_few_seconds(world, client_for):
    client = client_for("localhost")
    assert client.get("/readyz").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/readyz").status_code == 200
    assert len(queries.captured_queries) == 0


def test_healthz_stays_open_to_everyone(world, client_for):
    assert client_for("localhost").get("/healthz", REMOTE_ADDR="203.0.113.7").status_code == 200


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


def test_a_failing_readyz_is_never_served_from_the_cache(world, client_for):
    client = client_for("localhost")
    assert client.get("/readyz").status_code == 200
    health.readiness_cache_clear()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM beta.django_migrations WHERE app = 'audit'")
    assert client.get("/readyz").status_code == 503
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/readyz").status_code == 503
    assert len(queries.captured_queries) > 0
