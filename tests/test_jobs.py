"""Tenant jobs carry their schema, run inside it, and fail loudly without one (TEN-12)."""

import pytest
from django.db import connection
from django_tenants.utils import schema_context, tenant_context
from procrastinate import testing
from procrastinate.contrib.django import app

from apps.audit.models import AuditEvent
from backend.jobs import MissingTenant, tenant_task


@tenant_task(name="tests.record_probe")
def record_probe(*, marker: str) -> str:
    AuditEvent.objects.create(action="job.probe", object_id=marker)
    return connection.schema_name


@pytest.fixture
def in_memory_queue():
    connector = testing.InMemoryConnector()
    with app.replace_connector(connector):
        yield connector


def test_job_queued_in_a_tenant_carries_its_schema(tenant_a, in_memory_queue):
    with tenant_context(tenant_a.tenant):
        record_probe.defer(marker="m1")
    (job,) = in_memory_queue.jobs.values()
    assert job["task_name"] == "tests.record_probe"
    assert job["args"] == {"schema_name": "alpha", "marker": "m1"}


def test_job_queued_from_public_is_refused(world, db, in_memory_queue):
    with schema_context("public"), pytest.raises(MissingTenant):
        record_probe.defer(marker="m2")
    assert in_memory_queue.jobs == {}


def test_job_runs_inside_its_schema_only(tenant_a, tenant_b):
    assert record_probe.task(schema_name="beta", marker="m3") == "beta"
    with tenant_context(tenant_b.tenant):
        assert AuditEvent.objects.filter(action="job.probe", object_id="m3").exists()
    with tenant_context(tenant_a.tenant):
        assert not AuditEvent.objects.filter(action="job.probe", object_id="m3").exists()


@pytest.mark.parametrize("schema", [None, "public", "no_such_schema"])
def test_job_without_a_valid_tenant_fails_loudly(world, db, schema):
    with pytest.raises(MissingTenant):
        record_probe.task(schema_name=schema, marker="m4")
    assert connection.schema_name == "public"
    with connection.cursor() as cursor:
        # Nothing was written to public whatever the schema said (the table may not exist there at all).
        cursor.execute("SELECT to_regclass('public.audit_auditevent')")
        if cursor.fetchone()[0] is not None:
            cursor.execute("SELECT count(*) FROM public.audit_auditevent WHERE object_id = 'm4'")
            assert cursor.fetchone()[0] == 0
