"""The harness itself isolates tenants: rows written in one schema are invisible from another."""

from django.db import connection
from django_tenants.utils import schema_context, tenant_context

from apps.audit.models import AuditEvent


def test_row_created_in_tenant_a_is_invisible_in_tenant_b(tenant_a, tenant_b):
    with tenant_context(tenant_a.tenant):
        AuditEvent.objects.create(action="isolation.probe", actor_email=tenant_a.owner.email)
        assert AuditEvent.objects.filter(action="isolation.probe").count() == 1
    with tenant_context(tenant_b.tenant):
        assert not AuditEvent.objects.filter(action="isolation.probe").exists()


def test_tenant_tables_do_not_exist_in_public(world, db):
    with schema_context("public"), connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('public.audit_auditevent')")
        assert cursor.fetchone()[0] is None


def test_shared_tables_do_not_exist_in_tenant_schemas(tenant_a):
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('alpha.accounts_user'), to_regclass('alpha.tenants_client')")
        assert cursor.fetchone() == (None, None)


def test_request_leaves_connection_on_requested_tenant_only(tenant_a, tenant_b, client_for):
    client_for(tenant_a).get("/")
    assert connection.schema_name == "alpha"
    client_for(tenant_b).get("/")
    assert connection.schema_name == "beta"
