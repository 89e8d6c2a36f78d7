"""Offboarding: the owner closes the account, gets a full export, and the tenant is purged after the grace."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context
from procrastinate import testing
from procrastinate.contrib.django import app

from apps.accounts.models import Membership, User
from apps.audit.models import AuditEvent
from apps.tenants.models import Client, Domain
from apps.tenants.offboarding import tenant_offboarding_request, tenant_purge
from apps.tenants.services import tenant_create
from apps.tenants.tasks import export_tenant_data
from backend.exceptions import ApplicationError
from backend.tenant_export import delete_storage_prefix, storage_files, tenant_tables


@pytest.fixture
def queue():
    connector = testing.InMemoryConnector()
    with app.replace_connector(connector):
        yield connector


@pytest.fixture(autouse=True)
def _clean_storage():
    yield
    for prefix in ("alpha", "beta", "omega"):
        delete_storage_prefix(prefix=prefix)


@pytest.fixture
def owner_page(tenant_a, client_for):
    return client_for(tenant_a, tenant_a.owner)


def _status(tenant_world) -> str:
    return Client.objects.get(pk=tenant_world.tenant.pk).status


def _events(schema: str, action: str) -> list[AuditEvent]:
    with schema_context(schema):
        return list(AuditEvent.objects.filter(action=action))


def test_owner_sees_what_closing_the_account_means(owner_page):
    page = owner_page.get("/settings/offboarding/")
    assert page.status_code == 200
    assert "30 days" in page.text and 'name="confirm"' in page.text


@pytest.mark.parametrize("role", ["admin", "manager", "staff", "viewer"])
def test_only_the_owner_may_close_the_account(tenant_a, client_for, queue, role):
    page = client_for(tenant_a, tenant_a.user(role))
    assert page.get("/settings/offboarding/").status_code == 403
    assert page.post("/settings/offboarding/", {"confirm": "alpha"}).status_code == 403
    assert page.get("/settings/offboarding/export/").status_code == 403
    assert _status(tenant_a) == "active"
    with pytest.raises(ApplicationError):
        tenant_offboarding_request(tenant=tenant_a.tenant, actor=tenant_a.user(role), confirm="alpha")


def test_outsider_and_anonymous_are_refused(tenant_a, client_for, outsider, queue):
    assert client_for(tenant_a, outsider).post("/settings/offboarding/", {"confirm": "alpha"}).status_code == 403
    anonymous = client_for(tenant_a).post("/settings/offboarding/", {"confirm": "alpha"})
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")
    assert _status(tenant_a) == "active"


@pytest.mark.parametrize("confirm", ["", "Alpha Meats", "beta"])
def test_a_wrong_confirmation_is_a_form_error(owner_page, tenant_a, queue, confirm):
    response = owner_page.post("/settings/offboarding/", {"confirm": confirm})
    assert response.status_code == 400
    assert _status(tenant_a) == "active"
    assert queue.jobs == {}


def test_request_closes_the_workspace_queues_the_export_and_is_audited(
    owner_page, tenant_a, tenant_b, client_for, queue
):
    response = owner_page.post("/settings/offboarding/", {"confirm": "ALPHA"})
    assert response.status_code == 302
    tenant = Client.objects.get(pk=tenant_a.tenant.pk)
    assert tenant.status == "offboarding" and tenant.offboarding_requested_at
    (job,) = queue.jobs.values()
    assert (job["task_name"], job["args"]) == ("tenants.export_tenant_data", {"schema_name": "alpha"})
    assert len(_events("public", "tenant.offboarding_request")) == 1
    assert len(_events("alpha", "tenant.offboarding_request")) == 1
    # Everything but the offboarding page answers 423, pages and API alike.
    home = owner_page.get("/")
    assert home.status_code == 423 and "/settings/offboarding/" in home.text
    assert owner_page.get("/settings/domains/").status_code == 423
    assert owner_page.get("/api/v1/audit-events/").status_code == 423
    status_page = owner_page.get("/settings/offboarding/")
    assert status_page.status_code == 200 and "Being prepared" in status_page.text
    assert client_for(tenant_a, tenant_a.admin).get("/settings/offboarding/").status_code == 403
    assert client_for(tenant_b, tenant_b.owner).get("/").status_code == 200


def test_export_holds_every_table_and_only_this_tenants_files(owner_page, tenant_a, tenant_b, client_for, queue):
    default_storage.save("alpha/documents/contract.txt", ContentFile(b"alpha contract"))
    default_storage.save("alpha/branding/logo.png", ContentFile(b"\x89PNG fake"))
    default_storage.save("beta/documents/secret.txt", ContentFile(b"beta secret"))
    owner_page.post("/settings/offboarding/", {"confirm": "alpha"})

    name = export_tenant_data.task(schema_name="alpha")
    assert name.startswith("alpha/exports/alpha-") and name.endswith(".zip")
    tenant = Client.objects.get(pk=tenant_a.tenant.pk)
    assert (tenant.export_file, bool(tenant.export_ready_at)) == (name, True)
    assert len(_events("alpha", "tenant.export_ready")) == 1

    download = owner_page.get("/settings/offboarding/export/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    names = set(archive.namelist())
    tables = tenant_tables("alpha")
    assert {f"tables/{t}.json" for t in tables} <= names
    assert "tables/audit_auditevent.json" in names and "tables/django_migrations.json" in names
    manifest = json.loads(archive.read("manifest.json"))
    assert set(manifest["tables"]) == set(tables)
    with connection.cursor() as cursor:
        # The export_ready event is written after the export was taken.
        cursor.execute("SELECT count(*) FROM alpha.audit_auditevent WHERE action <> 'tenant.export_ready'")
        audit_rows = cursor.fetchone()[0]
    events = json.loads(archive.read("tables/audit_auditevent.json"))
    assert len(events) == manifest["tables"]["audit_auditevent"] == audit_rows
    assert any(e["action"] == "tenant.offboarding_request" for e in events)
    assert archive.read("files/documents/contract.txt") == b"alpha contract"
    assert "files/branding/logo.png" in names
    assert not any("secret" in n or n.startswith("files/exports/") for n in names)
    assert "Ready since" in owner_page.get("/settings/offboarding/").text


def test_no_export_yet_and_other_tenants_export_are_404(owner_page, tenant_a, tenant_b, client_for, queue):
    assert owner_page.get("/settings/offboarding/export/").status_code == 404
    owner_page.post("/settings/offboarding/", {"confirm": "alpha"})
    export_tenant_data.task(schema_name="alpha")
    # Beta's owner on beta's host only ever reaches beta's (missing) export.
    assert client_for(tenant_b, tenant_b.owner).get("/settings/offboarding/export/").status_code == 404
    # Alpha's owner's session does not carry over to beta's host.
    assert client_for(tenant_b, tenant_a.owner).get("/settings/offboarding/export/").status_code == 403


@pytest.fixture
def superuser(world, db) -> User:
    return User.objects.create_superuser(email="root@platform.test", password="unused-Pa55word!")


def test_superuser_cancels_offboarding_in_admin(owner_page, tenant_a, client_for, superuser, queue, admin_client_for):
    owner_page.post("/settings/offboarding/", {"confirm": "alpha"})
    response = admin_client_for(superuser).post(
        "/admin/tenants/client/", {"action": "cancel_offboarding", "_selected_action": [tenant_a.tenant.pk]}
    )
    assert response.status_code == 302
    assert _status(tenant_a) == "active"
    assert owner_page.get("/").status_code == 200
    assert len(_events("public", "tenant.offboarding_cancel")) == 1


def test_staff_cannot_cancel_offboarding(owner_page, tenant_a, client_for, queue):
    from django.contrib.auth.models import Permission

    owner_page.post("/settings/offboarding/", {"confirm": "alpha"})
    staff = User.objects.create_user(email="staff@platform.test", password="unused-Pa55word!", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_client", "change_client"]))
    client_for("localhost", staff).post(
        "/admin/tenants/client/", {"action": "cancel_offboarding", "_selected_action": [tenant_a.tenant.pk]}
    )
    assert _status(tenant_a) == "offboarding"


@pytest.fixture
def omega(world, db, queue):
    tenant = tenant_create(schema_name="omega", name="Omega", domain="omega.localhost", owner_email="o@omega.test")
    owner = User.objects.get(email="o@omega.test")
    default_storage.save("omega/documents/a.txt", ContentFile(b"a"))
    tenant_offboarding_request(tenant=tenant, actor=owner, confirm="omega")
    return Client.objects.get(pk=tenant.pk)


def _age(tenant: Client, days: int) -> None:
    Client.objects.filter(pk=tenant.pk).update(offboarding_requested_at=timezone.now() - timedelta(days=days))


def _schema_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [name])
        return cursor.fetchone() is not None


def _purge(*args: str) -> str:
    out = io.StringIO()
    call_command("purge_offboarded_tenants", *args, stdout=out)
    return out.getvalue()


def test_purge_waits_for_the_grace_period(omega):
    _age(omega, 29)
    assert "No offboarded tenant" in _purge()
    assert _schema_exists("omega") and Client.objects.filter(pk=omega.pk).exists()
    with pytest.raises(ApplicationError, match="not due"):
        tenant_purge(tenant=omega)


def test_dry_run_lists_without_deleting(omega):
    _age(omega, 31)
    assert "would purge omega" in _purge("--dry-run")
    assert _schema_exists("omega") and list(storage_files(default_storage, "omega"))


def test_purge_drops_schema_files_tenant_and_domains(omega, tenant_a, client_for):
    _age(omega, 31)
    assert client_for("omega.localhost").get("/").status_code == 423
    out = _purge()
    assert "purged omega" in out and "1 files deleted" in out
    assert not _schema_exists("omega")
    assert not Client.objects.filter(schema_name="omega").exists()
    assert not Domain.objects.filter(domain="omega.localhost").exists()
    assert not Membership.objects.filter(tenant_id=omega.pk).exists()
    assert list(storage_files(default_storage, "omega")) == []
    assert client_for("omega.localhost").get("/").status_code == 404
    [event] = _events("public", "tenant.purge")
    assert event.changes["schema"] == "omega"
    assert _schema_exists("alpha") and client_for(tenant_a, tenant_a.owner).get("/").status_code == 200


def test_active_tenants_are_never_purged(tenant_a):
    with pytest.raises(ApplicationError):
        tenant_purge(tenant=tenant_a.tenant)
    assert _schema_exists("alpha")


def test_purge_failure_is_reported_and_exits_nonzero(omega, monkeypatch):
    _age(omega, 31)

    def broken(**kwargs):
        raise OSError("storage unavailable")

    monkeypatch.setattr("backend.tenant_export.delete_storage_prefix", broken)
    with pytest.raises(CommandError, match="1 tenant"):
        _purge()
    assert _schema_exists("omega")


def test_owner_of_an_offboarding_tenant_signs_in_to_the_export_page_only(owner_page, tenant_a, client_for, queue):
    """Before: signing in was refused for every member of a non-active tenant, the owner included, so an
    owner whose session had ended could never download their own export."""
    from conftest import TEST_PASSWORD

    assert owner_page.post("/settings/offboarding/", {"confirm": "ALPHA"}).status_code == 302
    browser = client_for(tenant_a)
    response = browser.post("/login/", {"email": tenant_a.owner.email, "password": TEST_PASSWORD})
    assert (response.status_code, response["Location"]) == (302, "/settings/offboarding/")
    assert browser.get("/settings/offboarding/").status_code == 200
    assert browser.get("/").status_code == 423
    assert browser.get("/settings/domains/").status_code == 423


@pytest.mark.parametrize("role", ["admin", "staff", "viewer"])
def test_other_members_of_an_offboarding_tenant_cannot_sign_in(owner_page, tenant_a, client_for, queue, role):
    from conftest import TEST_PASSWORD

    owner_page.post("/settings/offboarding/", {"confirm": "ALPHA"})
    browser = client_for(tenant_a)
    response = browser.post("/login/", {"email": tenant_a.user(role).email, "password": TEST_PASSWORD})
    assert response.status_code == 200
    assert "signing in is paused" in response.text
    assert "_auth_user_id" not in browser.session


def test_the_daily_job_purges_tenants_past_their_grace_period(omega):
    from apps.tenants.tasks import purge_offboarded_daily

    _age(omega, 31)
    purge_offboarded_daily(timestamp=0)
    assert not _schema_exists("omega") and not Client.objects.filter(schema_name="omega").exists()
