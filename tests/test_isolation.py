"""The harness itself isolates tenants: rows written in one schema are invisible from another."""

from django.apps import apps as django_apps
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context, tenant_context

from apps.audit.models import AuditEvent


def test_row_created_in_tenant_a_is_invisible_in_tenant_b(tenant_a, tenant_b):
    with tenant_context(tenant_a.tenant):
        AuditEvent.objects.create(action="isolation.probe", actor_email=tenant_a.owner.email)
        assert AuditEvent.objects.filter(action="isolation.probe").count() == 1
    with tenant_context(tenant_b.tenant):
        assert not AuditEvent.objects.filter(action="isolation.probe").exists()


def _existing_tables(schema: str, tables: list[str]) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s AND table_name = ANY(%s)",
            [schema, tables],
        )
        return sorted(row[0] for row in cursor.fetchall())


def test_tenant_only_tables_do_not_exist_in_public(world, db):
    # Apps listed only in TENANT_APPS (every business app); `audit` is in both lists on purpose.
    tenant_only = {app for app in settings.TENANT_APPS if app not in settings.SHARED_APPS}
    tables = [
        model._meta.db_table
        for config in django_apps.get_app_configs()
        if config.name in tenant_only
        for model in config.get_models()
    ]
    with schema_context("public"):
        assert _existing_tables("public", tables) == []


def test_audit_table_exists_in_public_and_in_each_tenant_schema(world, db):
    for schema in ("public", "alpha", "beta"):
        assert _existing_tables(schema, ["audit_auditevent"]) == ["audit_auditevent"]


def test_shared_tables_do_not_exist_in_tenant_schemas(tenant_a):
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('alpha.accounts_user'), to_regclass('alpha.tenants_client')")
        assert cursor.fetchone() == (None, None)


def test_request_leaves_connection_on_requested_tenant_only(tenant_a, tenant_b, client_for):
    client_for(tenant_a).get("/")
    assert connection.schema_name == "alpha"
    client_for(tenant_b).get("/")
    assert connection.schema_name == "beta"
