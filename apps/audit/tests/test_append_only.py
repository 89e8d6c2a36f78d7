"""The database itself refuses to change or remove audit rows, in `public` and in every tenant schema."""

import pytest
from django.db import DatabaseError, connection, transaction
from django_tenants.utils import schema_context

from apps.audit.models import AuditEvent
from apps.audit.services import audit_record
from backend.provisioning import template_schema_name

SCHEMAS = ["public", "alpha", "beta"]


def _refused(sql: str, params=None) -> str:
    with pytest.raises(DatabaseError) as excinfo, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
    return str(excinfo.value)


@pytest.mark.parametrize("schema", SCHEMAS)
def test_update_of_audit_row_fails_at_the_database(world, db, schema):
    with schema_context(schema):
        event = audit_record(action="probe.update", object_id="1")
        message = _refused("UPDATE audit_auditevent SET action = 'forged' WHERE id = %s", [event.pk])
        assert "append-only: UPDATE refused" in message
        assert AuditEvent.objects.get(pk=event.pk).action == "probe.update"


@pytest.mark.parametrize("schema", SCHEMAS)
def test_delete_of_audit_row_fails_at_the_database(world, db, schema):
    with schema_context(schema):
        event = audit_record(action="probe.delete")
        assert "append-only: DELETE refused" in _refused("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
        assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize("schema", SCHEMAS)
def test_truncate_of_audit_table_fails_at_the_database(world, db, schema):
    with schema_context(schema):
        event = audit_record(action="probe.truncate")
        assert "append-only: TRUNCATE refused" in _refused("TRUNCATE audit_auditevent")
        assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_orm_update_and_delete_are_refused_too(tenant_a):
    with schema_context("alpha"):
        event = audit_record(action="probe.orm")
        event.action = "forged"
        with pytest.raises(DatabaseError), transaction.atomic():
            event.save()
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).update(action="forged")
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).delete()
        assert AuditEvent.objects.get(pk=event.pk).action == "probe.orm"


def test_each_schema_has_its_own_trigger_function(world, db):
    # The migration's SQL is schema-relative: the function lives next to each schema's table.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
            " WHERE p.proname = 'audit_auditevent_append_only' ORDER BY n.nspname"
        )
        # The tenant template (backend.provisioning) is a schema like any tenant's.
        template = template_schema_name()
        assert [row[0] for row in cursor.fetchall()] == sorted([template, "alpha", "beta", "public"])
        cursor.execute(
            "SELECT c.relnamespace::regnamespace::text, count(*) FROM pg_trigger t"
            " JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relname = 'audit_auditevent' AND NOT t.tgisinternal"
            " GROUP BY 1 ORDER BY 1"
        )
        assert cursor.fetchall() == sorted([(template, 2), ("alpha", 2), ("beta", 2), ("public", 2)])
