"""Platform superusers create tenants in the admin through the provisioning service (pool → template →
migrations), with the service's validation errors on the form and a public `tenant.create` audit event."""

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from apps.accounts.models import Membership, User
from apps.audit.models import AuditEvent
from apps.tenants.models import Client, Domain

ADD_URL = "/admin/tenants/client/add/"


@pytest.fixture
def superuser(world, db) -> User:
    return User.objects.create_superuser(email="root@platform.test", password="unused-Pa55word!")


def _schema_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [name])
        return cursor.fetchone() is not None


def _post(admin, **overrides):
    data = {
        "schema_name": "gamma",
        "name": "Gamma Foods",
        "domain": "gamma.localhost",
        "owner_email": "boss@gamma.test",
        "plan": "starter",
    }
    data.update(overrides)
    return admin.post(ADD_URL, data)


def test_add_page_asks_for_schema_company_domain_owner_and_plan(superuser, admin_client_for):
    page = admin_client_for(superuser).get(ADD_URL)
    assert page.status_code == 200
    for field in ("schema_name", "name", "domain", "owner_email", "plan"):
        assert f'name="{field}"' in page.text
    assert 'name="status"' not in page.text


def test_admin_add_provisions_a_migrated_schema_domain_owner_and_audits_in_public(superuser, admin_client_for):
    response = _post(admin_client_for(superuser))
    assert response.status_code == 302
    tenant = Client.objects.get(schema_name="gamma")
    assert response["Location"].endswith("/admin/tenants/client/")
    assert (tenant.name, tenant.plan, tenant.status) == ("Gamma Foods", "starter", "active")
    assert _schema_exists("gamma")
    with connection.cursor() as cursor:  # provisioned: the tenant tables are there and migrated
        cursor.execute("SELECT count(*) FROM gamma.django_migrations")
        assert cursor.fetchone()[0] > 0
        cursor.execute("SELECT to_regclass('gamma.audit_auditevent') IS NOT NULL")
        assert cursor.fetchone() == (True,)
    domain = Domain.objects.get(domain="gamma.localhost")
    assert domain.tenant == tenant and domain.is_primary and domain.is_verified
    membership = Membership.objects.get(tenant=tenant)
    assert (membership.user.email, membership.role, membership.is_active) == ("boss@gamma.test", "owner", True)
    with schema_context("public"):
        [event] = AuditEvent.objects.filter(action="tenant.create")
    assert (event.actor_id, event.object_type, event.object_id) == (superuser.pk, "tenants.client", str(tenant.pk))
    assert event.changes["domain"] == "gamma.localhost"
    assert event.changes["provisioning"] in {"pool", "template", "migrations"}
    with schema_context("gamma"):
        assert not AuditEvent.objects.filter(action="tenant.create").exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"schema_name": "Bad-Name"}, "schema_name", "Invalid schema name"),
        ({"schema_name": "public"}, "schema_name", "reserved"),
        ({"schema_name": "alpha"}, "schema_name", "already exists"),
        ({"domain": "alpha.localhost"}, "domain", "already in use"),
        ({"domain": "not a domain"}, "domain", ""),
        ({"name": "   "}, "name", ""),
        ({"owner_email": "nobody"}, "owner_email", ""),
        ({"plan": "platinum"}, "plan", ""),
    ],
)
def test_refusals_are_shown_on_the_form_and_leave_nothing(superuser, admin_client_for, overrides, field, message):
    before = (Client.objects.count(), Domain.objects.count())
    response = _post(admin_client_for(superuser), **overrides)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == [field]
    assert message in " ".join(errors[field])
    assert (Client.objects.count(), Domain.objects.count()) == before
    assert not _schema_exists("gamma")
    with schema_context("public"):
        assert not AuditEvent.objects.filter(action="tenant.create").exists()


def test_staff_without_superuser_cannot_create_tenants(world, db, admin_client_for):
    staff = User.objects.create_user(email="staff@platform.test", password="unused-Pa55word!", is_staff=True)
    response = _post(admin_client_for(staff))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not Client.objects.filter(schema_name="gamma").exists()


def test_tenant_owner_cannot_reach_the_add_page(tenant_a, client_for):
    response = client_for("localhost", tenant_a.owner).get(ADD_URL)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not Client.objects.filter(schema_name="gamma").exists()


def test_change_page_still_shows_schema_read_only(tenant_a, superuser, admin_client_for):
    page = admin_client_for(superuser).get(f"/admin/tenants/client/{tenant_a.tenant.pk}/change/")
    assert page.status_code == 200
    assert 'name="schema_name"' not in page.text and "alpha" in page.text
