"""Retention: owners set the periods on a settings page; the nightly job prunes, and the audit log still verifies."""

import datetime
from io import StringIO

import pytest
import time_machine
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django_tenants.utils import tenant_context

from apps.accounts.sessions import SESSION_BOUND_AT_KEY, SESSION_TENANT_KEY
from apps.audit.chain import verify_chain
from apps.audit.models import AuditCheckpoint, AuditEvent
from apps.audit.services import audit_record
from apps.compliance.models import EvidenceVersion
from apps.compliance.tests.factories import EvidenceFactory, EvidenceVersionFactory
from apps.privacy.models import RetentionPolicy
from apps.privacy.tasks import retention_nightly

URL = "/privacy/retention/"
START = datetime.datetime(2026, 1, 5, 12, tzinfo=datetime.UTC)


def _policy(world, **periods) -> None:
    with tenant_context(world.tenant):
        RetentionPolicy.objects.update_or_create(pk=1, defaults=periods)


def _verify_output() -> str:
    out = StringIO()
    call_command("verify_audit_log", "--schema", "alpha", stdout=out)
    return out.getvalue()


def _session(schema: str, bound_at: datetime.datetime) -> str:
    store = SessionStore()
    store[SESSION_TENANT_KEY] = schema
    store[SESSION_BOUND_AT_KEY] = bound_at.timestamp()
    store.set_expiry(datetime.timedelta(days=3650))
    store.save()
    return store.session_key


def test_owner_changes_the_periods_and_the_change_is_audited(tenant_a, client_for):
    owner = client_for(tenant_a, tenant_a.owner)
    assert owner.get(URL).status_code == 200
    response = owner.post(
        URL, {"audit_days": "730", "evidence_version_days": "", "export_days": "7", "session_days": ""}
    )
    assert response.status_code == 302
    with tenant_context(tenant_a.tenant):
        policy = RetentionPolicy.objects.get()
        assert (policy.audit_days, policy.evidence_version_days, policy.export_days) == (730, None, 7)
        event = AuditEvent.objects.get(action="retention.update")
        assert event.changes == {"audit_days": [None, 730], "export_days": [None, 7]}
        assert event.actor_id == tenant_a.owner.pk
    assert b"730" in owner.get(URL).content


def test_bad_periods_are_refused_per_field_and_nothing_is_saved(tenant_a, client_for):
    response = client_for(tenant_a, tenant_a.owner).post(URL, {"audit_days": "30", "session_days": "abc"})
    assert response.status_code == 400
    assert b"Ensure this value is greater than or equal to 365" in response.content
    with tenant_context(tenant_a.tenant):
        assert not RetentionPolicy.objects.exists()


def test_admins_see_the_page_read_only_and_lower_roles_and_strangers_are_refused(
    tenant_a, tenant_b, outsider, client_for
):
    admin = client_for(tenant_a, tenant_a.admin)
    page = admin.get(URL)
    assert page.status_code == 200 and b"Only owners can change" in page.content and b"disabled" in page.content
    assert admin.post(URL, {"audit_days": "400"}).status_code == 403
    for user in (tenant_a.staff, tenant_a.viewer):
        assert client_for(tenant_a, user).get(URL).status_code == 403
    assert client_for(tenant_a, outsider).get(URL).status_code == 403
    assert client_for(tenant_a, tenant_b.owner, bound_to=tenant_b).get(URL).status_code == 302
    assert client_for(tenant_a).get(URL).status_code == 302
    # Beta's owner edits beta's policy only.
    assert client_for(tenant_b, tenant_b.owner).post(URL, {"audit_days": "400"}).status_code == 302
    with tenant_context(tenant_a.tenant):
        assert not RetentionPolicy.objects.exists()
        assert not AuditEvent.objects.filter(action="retention.update").exists()


def test_nightly_job_prunes_old_audit_events_behind_a_checkpoint_and_the_chain_verifies(
    tenant_a, tenant_b, client_for, django_capture_on_commit_callbacks
):
    with time_machine.travel(START, tick=False):
        with tenant_context(tenant_a.tenant):
            old = [audit_record(action="order.create", object_id=n) for n in range(3)]
            evidence = EvidenceFactory()
            first = EvidenceVersionFactory(evidence=evidence, number=1)
            second = EvidenceVersionFactory(evidence=evidence, number=2)
            lone = EvidenceVersionFactory()  # an evidence's only version stays whatever its age
            default_storage.save(f"{tenant_a.tenant.schema_name}/exports/alpha-old.zip", ContentFile(b"zip"))
        with tenant_context(tenant_b.tenant):
            audit_record(action="order.create", object_id="beta")
        stale = _session("alpha", START)
        beta_session = _session("beta", START)
    _policy(tenant_a, audit_days=365, evidence_version_days=30, export_days=7, session_days=7)
    later = START + datetime.timedelta(days=400)
    with time_machine.travel(later, tick=False):
        with tenant_context(tenant_a.tenant):
            recent = audit_record(action="order.create", object_id="recent")
            default_storage.save(f"{tenant_a.tenant.schema_name}/exports/alpha-new.zip", ContentFile(b"zip"))
        fresh = _session("alpha", later)
        with django_capture_on_commit_callbacks(execute=True):
            assert retention_nightly(timestamp=0) == 1  # beta has no policy: untouched
    with tenant_context(tenant_a.tenant):
        assert not AuditEvent.objects.filter(pk__in=[event.pk for event in old]).exists()
        assert AuditEvent.objects.filter(pk=recent.pk).exists()
        checkpoint = AuditCheckpoint.objects.get()
        assert checkpoint.head_hash == AuditEvent.objects.order_by("id").first().prev_hash
        prune = AuditEvent.objects.get(action="audit.prune")
        assert prune.changes["pruned"] == checkpoint.pruned_count >= 3
        assert AuditEvent.objects.get(action="retention.apply").changes == {
            "audit_events": 0,
            "evidence_versions": 1,
            "exports": 1,
        }
        assert verify_chain().ok
        assert f"alpha: OK (3 events, pruned up to id {checkpoint.up_to_id})" in _verify_output()
        assert list(
            EvidenceVersion.objects.filter(pk__in=[first.pk, second.pk, lone.pk]).values_list("pk", flat=True)
        ) in (
            [second.pk, lone.pk],
            [lone.pk, second.pk],
        )
        assert not default_storage.exists(first.file) and default_storage.exists(second.file)
        assert not default_storage.exists("alpha/exports/alpha-old.zip")
        assert default_storage.exists("alpha/exports/alpha-new.zip")
        # Deleting rows no checkpoint covers is still refused by the database.
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [recent.pk])
    assert set(Session.objects.filter(pk__in=[stale, beta_session, fresh]).values_list("pk", flat=True)) == {
        beta_session,
        fresh,
    }
    with tenant_context(tenant_b.tenant):
        assert AuditEvent.objects.filter(object_id="beta").exists() and verify_chain().ok
    assert b"The audit log was last pruned" in client_for(tenant_a, tenant_a.owner).get(URL).content
    assert b"last pruned" not in client_for(tenant_b, tenant_b.owner).get(URL).content
