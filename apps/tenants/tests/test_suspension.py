"""Superusers suspend and reactivate tenants (reason required, audited in public); pages and API obey."""

import pytest
from django.contrib.auth.models import Permission
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.audit.models import AuditEvent
from apps.tenants.models import Client
from apps.tenants.services import tenant_reactivate, tenant_suspend
from backend.exceptions import ApplicationError


@pytest.fixture
def superuser(world, db) -> User:
    return User.objects.create_superuser(email="root@platform.test", password="unused-Pa55word!")


def _events(schema: str, action: str) -> list[AuditEvent]:
    with schema_context(schema):
        return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_suspend_records_reason_time_and_a_public_audit_event(tenant_a, superuser):
    tenant = tenant_suspend(tenant=tenant_a.tenant, reason="Unpaid invoices", actor=superuser)
    tenant.refresh_from_db()
    assert tenant.status == Client.Status.SUSPENDED
    assert tenant.suspended_reason == "Unpaid invoices"
    assert tenant.suspended_at is not None
    [event] = _events("public", "tenant.suspend")
    assert (event.actor_id, event.object_type, event.object_id) == (superuser.pk, "tenants.client", str(tenant.pk))
    assert event.changes["reason"] == "Unpaid invoices"
    assert _events("alpha", "tenant.suspend") == []


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_suspend_without_reason_is_refused(tenant_a, superuser, reason):
    with pytest.raises(ApplicationError) as caught:
        tenant_suspend(tenant=tenant_a.tenant, reason=reason, actor=superuser)
    assert caught.value.field == "reason"
    tenant_a.tenant.refresh_from_db()
    assert tenant_a.tenant.status == Client.Status.ACTIVE
    assert _events("public", "tenant.suspend") == []


def test_public_tenant_cannot_be_suspended(world, db, superuser):
    public = Client.objects.get(schema_name="public")
    with pytest.raises(ApplicationError):
        tenant_suspend(tenant=public, reason="no", actor=superuser)


def test_suspending_twice_and_reactivating_an_active_tenant_are_refused(tenant_a, superuser):
    tenant_suspend(tenant=tenant_a.tenant, reason="First", actor=superuser)
    with pytest.raises(ApplicationError, match="suspended, not active"):
        tenant_suspend(tenant=tenant_a.tenant, reason="Second", actor=superuser)
    tenant_reactivate(tenant=tenant_a.tenant, actor=superuser)
    with pytest.raises(ApplicationError, match="not suspended"):
        tenant_reactivate(tenant=tenant_a.tenant, actor=superuser)


def test_suspension_blocks_pages_and_api_even_with_routing_cached(tenant_a, tenant_b, client_for, superuser):
    browser = client_for(tenant_a, tenant_a.owner)
    assert browser.get("/").status_code == 200  # the host's routing is now cached
    tenant_suspend(tenant=tenant_a.tenant, reason="Abuse report", actor=superuser)
    page = browser.get("/")
    assert page.status_code == 423
    assert "Alpha Meats" in page.text and "Abuse report" not in page.text
    api = browser.get("/api/v1/audit-events/")
    assert api.status_code == 423
    assert api.json() == {"detail": "This account is suspended.", "code": "tenant_suspended"}
    assert client_for(tenant_b, tenant_b.owner).get("/").status_code == 200


def test_reactivation_restores_access_and_is_audited(tenant_a, client_for, superuser):
    browser = client_for(tenant_a, tenant_a.owner)
    tenant_suspend(tenant=tenant_a.tenant, reason="Checking", actor=superuser)
    assert browser.get("/").status_code == 423
    tenant = tenant_reactivate(tenant=tenant_a.tenant, actor=superuser)
    assert (tenant.status, tenant.suspended_reason, tenant.suspended_at) == ("active", "", None)
    assert browser.get("/").status_code == 200
    [event] = _events("public", "tenant.reactivate")
    assert event.changes["suspended_reason"] == "Checking"


def _action(client, action: str, tenants, **extra):
    return client.post(
        "/admin/tenants/client/",
        {"action": action, "_selected_action": [t.pk for t in tenants], **extra},
    )


def test_admin_suspend_action_asks_for_a_reason_first(tenant_a, tenant_b, client_for, superuser, admin_client_for):
    admin = admin_client_for(superuser)
    response = _action(admin, "suspend_tenants", [tenant_a.tenant, tenant_b.tenant])
    assert response.status_code == 200
    assert 'name="reason"' in response.text and "Alpha Meats" in response.text
    assert Client.objects.get(pk=tenant_a.tenant.pk).status == "active"

    blank = _action(admin, "suspend_tenants", [tenant_a.tenant], apply="Suspend", reason="  ")
    assert blank.status_code == 200
    assert "This field is required." in blank.text
    assert Client.objects.get(pk=tenant_a.tenant.pk).status == "active"

    done = _action(admin, "suspend_tenants", [tenant_a.tenant, tenant_b.tenant], apply="Suspend", reason="Fraud")
    assert done.status_code == 302
    assert set(Client.objects.filter(status="suspended").values_list("schema_name", flat=True)) == {"alpha", "beta"}
    assert len(_events("public", "tenant.suspend")) == 2
    assert client_for(tenant_a, tenant_a.owner).get("/").status_code == 423


def test_admin_reactivate_action(tenant_a, client_for, superuser, admin_client_for):
    tenant_suspend(tenant=tenant_a.tenant, reason="Hold", actor=superuser)
    response = _action(admin_client_for(superuser), "reactivate_tenants", [tenant_a.tenant])
    assert response.status_code == 302
    assert Client.objects.get(pk=tenant_a.tenant.pk).status == "active"


def test_admin_status_field_is_read_only(tenant_a, client_for, superuser, admin_client_for):
    page = admin_client_for(superuser).get(f"/admin/tenants/client/{tenant_a.tenant.pk}/change/")
    assert page.status_code == 200
    assert 'name="status"' not in page.text


def test_staff_without_superuser_cannot_suspend(tenant_a, admin_client_for, world, db):
    staff = User.objects.create_user(email="staff@platform.test", password="unused-Pa55word!", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_client", "change_client"]))
    # The OTP admin signs in superusers only: a staff account never gets an admin session at all.
    admin = admin_client_for(staff)
    listing = admin.get("/admin/tenants/client/")
    assert listing.status_code == 302 and "/admin/login/" in listing["Location"]
    _action(admin, "suspend_tenants", [tenant_a.tenant], apply="Suspend", reason="Nope")
    assert Client.objects.get(pk=tenant_a.tenant.pk).status == "active"
    assert _events("public", "tenant.suspend") == []


def test_tenant_owner_cannot_reach_platform_admin(tenant_a, client_for):
    response = client_for("localhost", tenant_a.owner).get("/admin/tenants/client/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
