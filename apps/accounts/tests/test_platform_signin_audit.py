"""Sign-ins to the platform admin are audited in the public log; tenant logs are untouched."""

from django.test import Client as DjangoClient
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.audit.models import AuditEvent
from conftest import TEST_PASSWORD


def _public(action: str) -> list[AuditEvent]:
    with schema_context("public"):
        return list(AuditEvent.objects.filter(action=action))


def test_admin_sign_in_is_audited_in_public(world, db, admin_client_for):
    root = User.objects.create_superuser(email="root@platform.test", password=TEST_PASSWORD)
    admin_client_for(root)
    [event] = _public("auth.login")
    assert (event.actor_email, event.changes) == ("root@platform.test", {"method": "admin"})
    with schema_context("alpha"):
        assert not AuditEvent.objects.filter(action="auth.login").exists()


def test_failed_admin_sign_in_of_an_existing_account_is_audited_in_public(world, db):
    User.objects.create_superuser(email="root@platform.test", password=TEST_PASSWORD)
    client = DjangoClient(HTTP_HOST="localhost")
    client.post("/admin/login/", {"username": "root@platform.test", "password": "wrong", "otp_token": "123456"})
    client.post("/admin/login/", {"username": "nobody@platform.test", "password": "wrong", "otp_token": "123456"})
    [event] = _public("auth.login_failed")
    assert event.object_id == str(User.objects.get(email="root@platform.test").pk)
    assert event.changes == {"reason": "bad_credentials", "via": "admin"}


def test_tenant_sign_in_failures_are_not_duplicated_in_public(tenant_a, client_for):
    client_for(tenant_a).post("/login/", {"email": tenant_a.staff.email, "password": "wrong"})
    assert _public("auth.login_failed") == []
