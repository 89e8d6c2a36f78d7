"""The fleet page: platform superusers only; the whole fleet summarised in a fixed number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.operations.models import FleetCheck
from apps.operations.services import fleet_check_run, usage_snapshot
from apps.tenants.models import Client
from backend import usage

FLEET = "/admin/operations/fleet/"
CHECK = "/admin/operations/fleet/check/"


@pytest.fixture
def superuser(world, db) -> User:
    return User.objects.create_superuser(email="root@platform.test", password="unused-Pa55word!")


@pytest.fixture
def operator(superuser, admin_client_for):
    return admin_client_for(superuser)


def test_fleet_page_shows_tenants_status_plan_usage_and_migration_state(tenant_a, tenant_b, operator):
    for _ in range(5):
        usage.count_request("alpha", api=True)
    usage.flush()
    usage_snapshot()
    fleet_check_run()
    page = operator.get(FLEET)
    assert page.status_code == 200
    body = page.content.decode()
    for text in ("Fleet:", "By status", "By plan", "Warm pool", "Job queue", "schemas behind", "Check now"):
        assert text in body, text
    assert tenant_a.tenant.name in body and tenant_b.tenant.name in body
    rows = {row.tenant.schema_name: row for row in page.context["overview"].rows}
    assert rows["alpha"].requests_7d == 5 and rows["alpha"].api_calls_7d == 5
    assert rows["beta"].requests_7d == 0 and rows["alpha"].behind == 0
    assert [tenant.schema_name for tenant, _r, _a in page.context["overview"].top] == ["alpha"]


def test_fleet_page_query_count_does_not_grow_with_the_fleet(tenant_a, tenant_b, operator):
    fleet_check_run()
    operator.get(FLEET)  # warm caches (session, site)
    with CaptureQueriesContext(connection) as small:
        assert operator.get(FLEET).status_code == 200
    with schema_context("public"):
        Client.objects.bulk_create(
            [Client(schema_name=f"extra_{n:03d}", name=f"Extra {n:03d}", plan="starter") for n in range(30)]
        )
    with CaptureQueriesContext(connection) as large:
        page = operator.get(FLEET)
    assert page.context["overview"].total >= 32
    assert len(large) == len(small), [q["sql"][:120] for q in large]


def test_filters_narrow_the_list_and_bad_filters_answer_400(tenant_a, tenant_b, operator):
    page = operator.get(FLEET, {"q": "alpha"})
    assert [row.tenant.schema_name for row in page.context["overview"].rows] == ["alpha"]
    bad = operator.get(FLEET, {"status": "exploded", "plan": "gold"})
    assert bad.status_code == 400
    assert "Filters not applied" in bad.content.decode()


def test_check_now_stores_a_fleet_check_naming_schemas_behind(tenant_a, tenant_b, operator):
    with schema_context("beta"), connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = 'partners' AND name = '0001_initial'")
    response = operator.post(CHECK)
    assert response.status_code == 302 and response["Location"] == FLEET
    check = FleetCheck.objects.latest()
    assert "beta" in check.schemas_behind and "alpha" not in check.schemas_behind
    page = operator.get(FLEET, {"behind": "on"})
    assert [row.tenant.schema_name for row in page.context["overview"].rows] == ["beta"]
    assert "behind" in page.content.decode()
    assert operator.get(CHECK).status_code == 405


@pytest.mark.parametrize("who", ["anonymous", "tenant_owner", "superuser_without_otp"])
def test_fleet_page_is_refused_to_everyone_but_verified_superusers(tenant_a, client_for, superuser, who):
    from django.test import Client as DjangoClient

    client = DjangoClient(HTTP_HOST="localhost")
    if who == "tenant_owner":
        client.force_login(tenant_a.owner)
    elif who == "superuser_without_otp":
        client.force_login(superuser)
    for method, path in (("get", FLEET), ("post", CHECK)):
        response = getattr(client, method)(path)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], (who, path)
    assert not FleetCheck.objects.exists()
    # And never on a tenant host: the route does not exist there.
    assert client_for(tenant_a, tenant_a.owner).get(FLEET).status_code == 404
