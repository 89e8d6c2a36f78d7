"""Superusers see each tenant's last backup and last verified restore in the admin and on the fleet page;
nobody else sees backup records."""

from __future__ import annotations

import datetime

import pytest

from apps.accounts.models import User
from apps.backups.models import Backup, RestoreDrill

FLEET = "/admin/operations/fleet/"
MOMENT = datetime.datetime(2026, 11, 20, 3, 15, tzinfo=datetime.UTC)


@pytest.fixture
def operator(world, db, admin_client_for):
    return admin_client_for(User.objects.create_superuser(email="root@platform.test", password="unused-Pa55word!"))


def _backup(tenant, *, kind="tenant", hours=0) -> Backup:
    return Backup.objects.create(
        kind=kind,
        tenant=tenant,
        schema_name=tenant.schema_name if tenant else "",
        tier="daily",
        storage_name=f"x/{kind}/{tenant.schema_name if tenant else 'db'}/{hours}.pmbk",
        size_bytes=2048,
        sha256="0" * 64,
        tables=3,
        rows=10,
        seconds=1.0,
        created_at=MOMENT + datetime.timedelta(hours=hours),
    )


def _drill(backup: Backup, *, ok: bool, hours: int) -> RestoreDrill:
    return RestoreDrill.objects.create(
        backup=backup,
        kind=backup.kind,
        tenant=backup.tenant,
        schema_name=backup.schema_name,
        ok=ok,
        message="" if ok else "drill of beta: table x: checksum differs",
        seconds=1.0,
        finished_at=MOMENT + datetime.timedelta(hours=hours),
    )


@pytest.fixture
def records(tenant_a, tenant_b):
    alpha = _backup(tenant_a.tenant)
    _drill(alpha, ok=True, hours=1)
    beta = _backup(tenant_b.tenant)
    _drill(beta, ok=True, hours=1)
    _drill(beta, ok=False, hours=2)  # the newest drill of beta failed
    database = _backup(None, kind="database")
    _drill(database, ok=True, hours=3)


def test_fleet_page_shows_last_backup_and_last_verified_restore_per_tenant(operator, records):
    page = operator.get(FLEET)
    assert page.status_code == 200
    rows = {row.tenant.schema_name: row for row in page.context["overview"].rows}
    assert rows["alpha"].last_verified_restore.finished_at == MOMENT + datetime.timedelta(hours=1)
    assert rows["alpha"].failed_drill is None and rows["alpha"].last_backup.created_at == MOMENT
    assert rows["beta"].failed_drill.message == "drill of beta: table x: checksum differs"
    body = page.content.decode()
    assert "Last verified restore" in body and "drill failed" in body and "Database backup" in body
    assert "last verified restore 2026-11-20" in body


def test_fleet_page_says_never_without_backups(operator, tenant_a):
    body = operator.get(FLEET).content.decode()
    assert "none yet" in body and "never drilled" in body


def test_client_admin_lists_last_backup_and_last_verified_restore(operator, records, tenant_a):
    page = operator.get("/admin/tenants/client/")
    body = page.content.decode()
    assert "Last verified restore" in body and "Last backup" in body
    change = operator.get(f"/admin/tenants/client/{tenant_a.tenant.pk}/change/").content.decode()
    assert "Last verified restore" in change and "2026-11-20" in change


def test_backup_records_are_read_only_in_the_admin(operator, records):
    assert operator.get("/admin/backups/backup/").status_code == 200
    assert operator.get("/admin/backups/restoredrill/").status_code == 200
    assert operator.get("/admin/backups/backup/add/").status_code == 403
    backup = Backup.objects.first()
    assert operator.post(f"/admin/backups/backup/{backup.pk}/delete/", {"post": "yes"}).status_code == 403


def test_tenant_users_and_outsiders_never_see_backup_records(tenant_a, outsider, client_for, records):
    from django.test import Client as DjangoClient

    from conftest import TEST_PASSWORD

    for user in (tenant_a.owner, outsider):
        browser = DjangoClient(HTTP_HOST="localhost")
        browser.post("/admin/login/?next=/admin/", {"username": user.email, "password": TEST_PASSWORD})
        for url in ("/admin/backups/backup/", "/admin/backups/restoredrill/", FLEET):
            response = browser.get(url)
            assert response.status_code in (302, 403, 404), url
            assert b"drill of beta" not in response.content
    # On a tenant's own host the admin does not exist at all, even for its owner.
    assert client_for(tenant_a, tenant_a.owner).get("/admin/backups/backup/").status_code == 404
