"""Member erasure: this tenant's view of a person goes, the audit chain (versions 1 and 2) still verifies."""

import json

import pytest
from django.db import DatabaseError, connection, transaction
from django_tenants.utils import tenant_context

from apps.accounts.models import ApiToken, Invitation, Membership, User
from apps.accounts.services import invitation_accept, invitation_create, membership_ensure
from apps.accounts.tests.conftest import path_in_last_mail
from apps.audit.chain import GENESIS_HASH, row_hash, verify_chain
from apps.audit.models import AuditEvent
from apps.audit.services import audit_record
from apps.documents.models import DocumentSend
from apps.partners.models import Contact
from apps.partners.tests.factories import SupplierFactory
from backend.request_context import RequestContext, _current

from .test_subject_rights import _rows_mentioning

EMAIL, NAME, IP = "mina.erasmus@example.test", "Mina Erasmus", "203.0.113.9"


def _erase(client, pk, confirm="ERASE"):
    return client.post(f"/api/v1/privacy/members/{pk}/erase/", {"confirm": confirm}, content_type="application/json")


def _as_request_from(ip: str):
    return _current.set(RequestContext(request_id="req-erase", ip_address=ip))


@pytest.fixture
def mina(tenant_a, tenant_b, client_for):
    """A person invited into alpha (staff) who acted there, and who is also a viewer of beta."""
    invitation_create(tenant=tenant_a.tenant, email=EMAIL, role="staff", invited_by=tenant_a.admin)
    token = path_in_last_mail().rstrip("/").rsplit("/", 1)[-1]
    invitation_accept(token=token, password="A-long-enough-pass-42", full_name=NAME)
    user = User.objects.get(email=EMAIL)
    membership_ensure(user=user, tenant=tenant_b.tenant, role="viewer")
    with tenant_context(tenant_a.tenant):
        supplier = SupplierFactory()
    created = client_for(tenant_a, user).post(
        "/api/v1/contacts/", {"name": "Kept Contact", "supplier": supplier.pk}, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    with tenant_context(tenant_a.tenant):
        DocumentSend.objects.create(
            kind="invoice", object_id=1, number="INV-1", recipients=[EMAIL.upper(), "keep@example.test"]
        )
    ApiToken.objects.create(
        user=user, tenant=tenant_a.tenant, key_prefix="abcd1234", key_hash="f" * 64, expires_at="2999-01-01T00:00Z"
    )
    token = _as_request_from(IP)
    try:
        for world in (tenant_a, tenant_b):
            with tenant_context(world.tenant):
                audit_record(action="auth.login", actor=user, target=user, changes={"method": "password"})
                audit_record(action="auth.login_failed", target=user, changes={"reason": "password"})
    finally:
        _current.reset(token)
    return user, created.json()["id"]


def test_erasure_leaves_no_personal_value_in_the_tenant_and_the_chain_verifies(tenant_a, tenant_b, client_for, mina):
    user, contact_id = mina
    with tenant_context(tenant_a.tenant):
        assert _rows_mentioning(EMAIL) and _rows_mentioning(IP)  # the scan does find them before
    response = _erase(client_for(tenant_a, tenant_a.admin), user.pk)
    assert response.status_code == 200, response.content
    assert response.json()["kept_before_v2"] == 0
    assert response.json()["invitations_removed"] == 1
    with tenant_context(tenant_a.tenant):
        for value in (EMAIL, "mina.erasmus", NAME, IP):
            assert _rows_mentioning(value) == [], value
        assert verify_chain().ok
        assert Contact.objects.get(pk=contact_id).created_by_id == user.pk  # business records stay valid
        assert DocumentSend.objects.get().recipients == ["[erased]", "keep@example.test"]
        erase = AuditEvent.objects.get(action="privacy.subject_erase", object_id=str(user.pk))
        assert erase.actor_id == tenant_a.admin.pk
        accepted = AuditEvent.objects.get(action="invitation.accept")
        assert "email: — → [erased]" in accepted.change_lines()
    # This tenant's public rows of hers are gone; her account and her other tenant are untouched.
    assert not Membership.objects.filter(user=user, tenant=tenant_a.tenant).exists()
    assert not Invitation.objects.filter(tenant=tenant_a.tenant, email=EMAIL).exists()
    assert not ApiToken.objects.filter(user=user, tenant=tenant_a.tenant).exists()
    assert Membership.objects.filter(user=user, tenant=tenant_b.tenant, is_active=True).exists()
    with tenant_context(tenant_b.tenant):
        assert AuditEvent.objects.filter(actor_email=EMAIL).count() == 1
        assert verify_chain().ok
    assert User.objects.filter(pk=user.pk, email=EMAIL).exists()
    log = client_for(tenant_a, tenant_a.admin).get("/audit/", {"action": "auth.login"})
    assert f"erased person #{user.pk}".encode() in log.content and EMAIL.encode() not in log.content


def test_refusals_change_nothing(tenant_a, tenant_b, outsider, client_for, mina):
    user, _ = mina
    assert _erase(client_for(tenant_a, tenant_a.staff), user.pk).status_code == 403
    # Another tenant's member is "not found" here, like an id that does not exist.
    assert _erase(client_for(tenant_a, tenant_a.admin), tenant_b.staff.pk).status_code == 404
    assert _erase(client_for(tenant_b, tenant_b.admin), tenant_a.staff.pk).status_code == 404
    assert _erase(client_for(tenant_a, tenant_a.admin), 10**9).status_code == 404
    assert _erase(client_for(tenant_a, outsider), user.pk).status_code in (302, 403)
    assert _erase(client_for(tenant_a), user.pk).status_code in (302, 401, 403)
    # A session from beta replayed on alpha's host, and a form post without the CSRF token.
    assert _erase(client_for(tenant_a, tenant_b.admin, bound_to=tenant_b), user.pk).status_code in (302, 401, 403)
    assert _erase(client_for(tenant_a, tenant_a.admin, enforce_csrf_checks=True), user.pk).status_code == 403
    admin = client_for(tenant_a, tenant_a.admin)
    assert "confirm" in _erase(admin, user.pk, confirm="erase me").json()["fields"]
    assert _erase(admin, tenant_a.owner.pk).status_code == 400  # owners: change the role first
    assert _erase(admin, tenant_a.admin.pk).status_code == 400  # not oneself
    assert Membership.objects.filter(user=user, tenant=tenant_a.tenant).exists()
    with tenant_context(tenant_a.tenant):
        assert AuditEvent.objects.filter(actor_email=EMAIL).exists()
        assert not AuditEvent.objects.filter(action="privacy.subject_erase").exists()


def _append_version_1(**fields) -> AuditEvent:
    """A row as the previous release wrote it (e-mail hashed in clear, chain_version 1)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('audit_auditevent', 'id')),"
            " (SELECT hash FROM audit_auditevent ORDER BY id DESC LIMIT 1)"
        )
        pk, last = cursor.fetchone()
    event = AuditEvent(id=pk, action="order.create", chain_version=1, prev_hash=last or GENESIS_HASH, **fields)
    event.hash = row_hash(prev_hash=event.prev_hash, row=event.__dict__)
    event.save(force_insert=True)
    return event


def test_version_1_rows_keep_verifying_and_version_2_personal_columns_are_guarded(tenant_a):
    with tenant_context(tenant_a.tenant):
        old = _append_version_1(actor_id=tenant_a.staff.pk, actor_email=tenant_a.staff.email, ip_address=IP)
        token = _as_request_from(IP)
        try:
            new = audit_record(action="order.create", actor=tenant_a.staff)
        finally:
            _current.reset(token)
        assert (new.chain_version, len(new.actor_ref)) == (2, 64)
        assert verify_chain().ok
        # The trigger lets through only blanking a version-2 row's e-mail and IP, nothing else.
        for sql, params in [
            ("UPDATE audit_auditevent SET actor_email = 'forger@example.test' WHERE id = %s", [new.pk]),
            ("UPDATE audit_auditevent SET actor_email = '', ip_address = NULL WHERE id = %s", [old.pk]),
            ("UPDATE audit_auditevent SET actor_email = '', ip_address = NULL, action = 'x' WHERE id = %s", [new.pk]),
        ]:
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
                cur.execute(sql, params)
        # A superuser's edit behind the trigger is found: the clear e-mail no longer matches actor_ref.
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_no_update_delete")
            cursor.execute("UPDATE audit_auditevent SET actor_email = 'forger@example.test' WHERE id = %s", [new.pk])
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_auditevent_no_update_delete")
        report = verify_chain()
        assert report.first_break.event_id == new.pk
        assert "actor_ref" in report.first_break.problem


def test_member_export_holds_their_values_and_nothing_of_others(tenant_a, client_for, mina):
    user, _ = mina
    admin = client_for(tenant_a, tenant_a.admin)
    membership = Membership.objects.get(user=user, tenant=tenant_a.tenant)
    assert admin.post(f"/members/{membership.pk}/sign-out/").status_code == 302  # an event about her, by an admin
    document = admin.get(f"/api/v1/privacy/members/{user.pk}/export/").json()
    text = json.dumps(document)
    assert (document["account"]["email"], document["account"]["full_name"]) == (EMAIL, NAME)
    assert {event["ip_address"] for event in document["audit_events_as_actor"]} >= {IP}
    assert document["invitations"][0]["email"] == EMAIL
    assert document["api_tokens"][0]["expires_at"].startswith("2999")
    about = [event["action"] for event in document["audit_events_about_them"]]
    assert "membership.sign_out" in about and "auth.login_failed" in about
    for other in (tenant_a.admin.email, tenant_a.owner.email, "keep@example.test"):
        assert other not in text
