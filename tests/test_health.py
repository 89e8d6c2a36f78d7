"""/healthz answers everyone on every host; /readyz only trusted addresses (READYZ_ALLOWED_NETWORKS) or a
caller with READYZ_TOKEN, names no tenant, and is cached for READYZ_CACHE_SECONDS."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend import health
from backend.migration_state import fleet_state_forget, schemas_behind


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
    fleet_state_forget()  # as migrate_schemas does before it changes schemas (the fleet record is not trusted)
    assert client.get("/readyz").status_code == 503
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/readyz").status_code == 503
    assert len(queries.captured_queries) > 0


def _readyz_sql(client) -> tuple[int, str]:
    health.readiness_cache_clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/readyz").status_code == 200
    return len(queries.captured_queries), " ".join(query["sql"] for query in queries.captured_queries)


def test_readyz_reads_the_fleet_record_not_every_schema(world, client_for):
    """At 2,850 tenants /readyz took 1.07 s reading every schema's django_migrations; now it reads one row."""
    from apps.tenants.services import tenant_create

    client = client_for("localhost")
    schemas_behind()  # a full check records the fleet's state (so do the fleet check job and migrate_schemas)
    two_count, two_sql = _readyz_sql(client)
    for schema in ("gamma", "delta"):
        tenant_create(schema_name=schema, name=schema, domain=f"{schema}.localhost", owner_email=f"o@{schema}.test")
    connection.set_schema_to_public()
    schemas_behind()
    four_count, four_sql = _readyz_sql(client)
    assert four_count == two_count
    for schema in ("alpha", "beta", "gamma", "delta"):
        assert f'"{schema}"' not in four_sql and f"{schema}." not in four_sql


def test_readyz_checks_the_tenants_made_after_the_record(world, client_for):
    from apps.tenants.services import tenant_create

    schemas_behind()
    tenant_create(schema_name="gamma", name="Gamma", domain="gamma.localhost", owner_email="o@gamma.test")
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM gamma.django_migrations WHERE app = 'audit'")
    response = client_for("localhost").get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == {"ok": False, "count": 1}
    assert "gamma" not in response.text


@pytest.mark.parametrize("stale", ["other migrations", "too old", "schemas behind"])
def test_readyz_checks_every_schema_when_the_record_cannot_be_trusted(world, client_for, settings, stale):
    schemas_behind()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM beta.django_migrations WHERE app = 'audit'")  # behind the record's back
        if stale == "other migrations":
            cursor.execute("UPDATE public.tenants_fleetmigrationstate SET fingerprint = 'older release'")
        elif stale == "schemas behind":
            cursor.execute("UPDATE public.tenants_fleetmigrationstate SET behind = 1")
    if stale == "too old":
        settings.READYZ_FLEET_RECHECK_SECONDS = 0
    response = client_for("localhost").get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == {"ok": False, "count": 1}


def test_a_fleet_migrate_records_the_fleet_and_a_target_migration_forgets_it(world, db):
    from django.core.management import call_command

    from apps.tenants.models import Client, FleetMigrationState

    FleetMigrationState.objects.all().delete()
    call_command("migrate_schemas", tenant=True, interactive=False, verbosity=0)
    state = FleetMigrationState.objects.get()
    assert state.behind == 0 and state.last_tenant_id == Client.objects.order_by("-id").first().id
    call_command("migrate_schemas", "audit", schema_name="beta", interactive=False, verbosity=0)
    assert not FleetMigrationState.objects.exists()


def test_the_full_check_reads_the_fleet_in_chunks_of_schemas(world, db, monkeypatch):
    """One statement over 10,000 schemas locks 10,000 tables at once: more than PostgreSQL's lock table holds."""
    from django.test.utils import CaptureQueriesContext

    from apps.tenants.services import tenant_create
    from backend import migration_state

    tenant_create(schema_name="gamma", name="Gamma", domain="gamma.localhost", owner_email="o@gamma.test")
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM gamma.django_migrations WHERE app = 'audit'")
    monkeypatch.setattr(migration_state, "CHECK_CHUNK", 2)
    with CaptureQueriesContext(connection) as queries:
        assert set(schemas_behind()) == {"gamma"}
    reads = [query["sql"] for query in queries.captured_queries if ".django_migrations" in query["sql"]]
    assert len(reads) >= 2  # alpha, beta, gamma (and the super tenant), two by two
    assert all(query.count(".django_migrations") <= 2 for query in reads)
