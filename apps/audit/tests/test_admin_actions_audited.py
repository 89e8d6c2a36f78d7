"""Every Django admin action by a platform superuser lands in the public audit log (IAM-19)."""

import pytest
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.test import Client as DjangoClient
from django_otp.plugins.otp_static.models import StaticDevice
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.audit.chain import verify_chain
from apps.audit.models import AuditEvent
from apps.audit.services import audit_record
from conftest import TEST_PASSWORD


@pytest.fixture
def superuser(world, db) -> User:
    return User.objects.create_superuser(email="root@platform.test", password=TEST_PASSWORD)


@pytest.fixture
def admin_client(superuser):
    """A superuser signed in to /admin/ the real way: password plus a one-time (backup) code."""
    device = StaticDevice.objects.create(user=superuser, name="backup", confirmed=True)
    device.token_set.create(token="admin-test-code")
    client = DjangoClient(HTTP_HOST="localhost")
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": superuser.email, "password": TEST_PASSWORD, "otp_token": "admin-test-code"},
    )
    assert response.status_code == 302, "admin sign-in with a backup code failed"
    return client


def _public_events(action: str):
    with schema_context("public"):
        return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_admin_addition_is_recorded_in_public_audit_log(admin_client, superuser):
    response = admin_client.post("/admin/auth/group/add/", {"name": "Auditors"})
    assert response.status_code == 302
    group = Group.objects.get(name="Auditors")
    [event] = _public_events("admin.add")
    assert (event.actor_id, event.actor_email) == (superuser.pk, "root@platform.test")
    assert (event.object_type, event.object_id) == ("auth.group", str(group.pk))
    assert event.changes["object_repr"] == "Auditors"
    assert event.request_id  # the admin request's id ties the event to the access log
    with schema_context("alpha"):
        assert not AuditEvent.objects.filter(action__startswith="admin.").exists()


def test_admin_change_and_single_delete_are_recorded(admin_client):
    group = Group.objects.create(name="Before")
    admin_client.post(f"/admin/auth/group/{group.pk}/change/", {"name": "After"})
    admin_client.post(f"/admin/auth/group/{group.pk}/delete/", {"post": "yes"})
    [change] = _public_events("admin.change")
    assert change.changes["change_message"] == "Changed Name."
    [deletion] = _public_events("admin.delete")
    assert (deletion.object_id, deletion.changes["object_repr"]) == (str(group.pk), "After")


def test_admin_bulk_delete_records_one_event_per_object(admin_client):
    groups = [Group.objects.create(name=f"Bulk {i}") for i in range(3)]
    response = admin_client.post(
        "/admin/auth/group/",
        {"action": "delete_selected", "_selected_action": [g.pk for g in groups], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Group.objects.filter(name__startswith="Bulk").exists()
    assert LogEntry.objects.filter(action_flag=DELETION).count() == 3
    events = _public_events("admin.delete")
    assert sorted(e.object_id for e in events) == sorted(str(g.pk) for g in groups)
    with schema_context("public"):
        assert verify_chain().ok


def test_bulk_delete_of_one_object_is_recorded_once(admin_client):
    group = Group.objects.create(name="Only")
    admin_client.post(
        "/admin/auth/group/", {"action": "delete_selected", "_selected_action": [group.pk], "post": "yes"}
    )
    assert [e.object_id for e in _public_events("admin.delete")] == [str(group.pk)]


def test_log_entry_written_while_a_tenant_schema_is_active_still_goes_to_public(superuser):
    with schema_context("alpha"):
        LogEntry.objects.log_actions(superuser.pk, [superuser], DELETION, single_object=True)
    assert [e.object_type for e in _public_events("admin.delete")] == [
        ContentType.objects.get_for_model(User).app_label + ".user"
    ]


def test_audit_events_are_read_only_in_admin(admin_client):
    with schema_context("public"):
        event = audit_record(action="platform.probe")
    assert admin_client.get("/admin/audit/auditevent/").status_code == 200
    assert admin_client.get(f"/admin/audit/auditevent/{event.pk}/change/").status_code == 200
    assert admin_client.post(f"/admin/audit/auditevent/{event.pk}/change/", {"action": "forged"}).status_code == 403
    assert admin_client.get(f"/admin/audit/auditevent/{event.pk}/delete/").status_code == 403
    assert admin_client.get("/admin/audit/auditevent/add/").status_code == 403
