"""Subject rights: export of one person's data, erasure of a contact that leaves the audit chain valid."""

import json

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from apps.audit.chain import verify_chain
from apps.audit.models import AuditEvent
from apps.documents.models import DocumentSend
from apps.partners.models import Contact
from apps.partners.tests.factories import SupplierFactory

PERSON = {"name": "Zelda Quixote", "title": "Head of Quality", "email": "zelda.q@example.test", "phone": "+1 555 0142"}
OTHER = {"name": "Otto Bystander", "title": "Driver", "email": "otto.b@example.test", "phone": "+1 555 0177"}


def _contact(tenant_world, client_for, person: dict) -> int:
    with tenant_context(tenant_world.tenant):
        supplier = SupplierFactory()
    client = client_for(tenant_world, tenant_world.staff)
    response = client.post("/api/v1/contacts/", {**person, "supplier": supplier.pk}, content_type="application/json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    updated = client.patch(
        f"/api/v1/contacts/{pk}/", {"title": person["title"] + " (EU)"}, content_type="application/json"
    )
    assert updated.status_code == 200
    return pk


def _rows_mentioning(value: str) -> list[str]:
    """Every table of the active schema whose row text contains `value` (the dump search, in-transaction)."""
    found = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind = 'r'"
        )
        for (table,) in cursor.fetchall():
            cursor.execute(f'SELECT count(*) FROM "{table}" t WHERE t::text ILIKE %s', [f"%{value}%"])  # noqa: S608
            if cursor.fetchone()[0]:
                found.append(table)
    return found


def test_contact_export_has_every_personal_field_and_nothing_of_others(tenant_a, client_for):
    pk = _contact(tenant_a, client_for, PERSON)
    _contact(tenant_a, client_for, OTHER)
    response = client_for(tenant_a, tenant_a.admin).get(f"/api/v1/privacy/contacts/{pk}/export/")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    document = response.json()
    assert {key: document["contact"][key] for key in ("name", "email", "phone")} == {
        key: PERSON[key] for key in ("name", "email", "phone")
    }
    assert document["contact"]["title"] == PERSON["title"] + " (EU)"
    actions = [event["action"] for event in document["audit_events"]]
    assert actions == ["contact.create", "contact.update"]
    assert document["audit_events"][0]["changes"]["email"] == [None, PERSON["email"]]  # unsealed for the export
    text = json.dumps(document)
    assert not any(value in text for value in OTHER.values())
    with tenant_context(tenant_a.tenant):
        assert AuditEvent.objects.filter(action="privacy.subject_export", object_id=str(pk)).count() == 1


def test_personal_values_are_sealed_in_the_audit_log(tenant_a, client_for):
    pk = _contact(tenant_a, client_for, PERSON)
    with tenant_context(tenant_a.tenant):
        create = AuditEvent.objects.get(action="contact.create", object_id=str(pk))
        assert PERSON["email"] not in json.dumps(create.changes)
        assert f"email: — → {PERSON['email']}" in create.change_lines()  # admins still read it


def test_erasure_leaves_no_personal_value_and_the_chain_verifies(tenant_a, client_for):
    pk = _contact(tenant_a, client_for, PERSON)
    other = _contact(tenant_a, client_for, OTHER)
    with tenant_context(tenant_a.tenant):  # an invoice e-mailed to them
        DocumentSend.objects.create(kind="invoice", object_id=1, number="INV-1", recipients=[PERSON["email"]])
    response = client_for(tenant_a, tenant_a.admin).post(
        f"/api/v1/privacy/contacts/{pk}/erase/", {"confirm": "ERASE"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    with tenant_context(tenant_a.tenant):
        for value in (*PERSON.values(), "Zelda", "zelda.q"):
            assert _rows_mentioning(value) == [], value
        assert verify_chain().ok
        contact = Contact.objects.get(pk=pk)
        assert (contact.name, contact.email, contact.phone, contact.is_archived) == (
            f"Erased contact {pk}",
            "",
            "",
            True,
        )
        create = AuditEvent.objects.get(action="contact.create", object_id=str(pk))
        assert "email: — → [erased]" in create.change_lines()
        assert Contact.objects.get(pk=other).email == OTHER["email"]  # others untouched
        assert AuditEvent.objects.filter(action="privacy.subject_erase", object_id=str(pk)).count() == 1
    export = client_for(tenant_a, tenant_a.admin).get(f"/api/v1/privacy/contacts/{pk}/export/").json()
    assert PERSON["email"] not in json.dumps(export)


def test_erasure_needs_the_confirmation_and_changes_nothing_without_it(tenant_a, client_for):
    pk = _contact(tenant_a, client_for, PERSON)
    response = client_for(tenant_a, tenant_a.admin).post(
        f"/api/v1/privacy/contacts/{pk}/erase/", {}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "confirm" in response.json()["fields"]
    with tenant_context(tenant_a.tenant):
        assert Contact.objects.get(pk=pk).email == PERSON["email"]


@pytest.mark.parametrize("body", ["[]", "7", '"ERASE"'])
def test_erasure_with_a_body_that_is_not_an_object_is_a_400(tenant_a, client_for, body):
    # Found by the API contract run: a JSON list made both erase endpoints answer 500.
    pk = _contact(tenant_a, client_for, PERSON)
    client = client_for(tenant_a, tenant_a.admin)
    for url in (f"/api/v1/privacy/contacts/{pk}/erase/", f"/api/v1/privacy/members/{tenant_a.viewer.pk}/erase/"):
        response = client.post(url, body, content_type="application/json")
        assert response.status_code == 400, (url, response.content)
        assert "confirm" in response.json()["fields"]
    with tenant_context(tenant_a.tenant):
        assert Contact.objects.get(pk=pk).email == PERSON["email"]


@pytest.mark.parametrize("path", ["export/", "erase/"])
def test_other_tenants_and_lower_roles_and_outsiders_are_refused(tenant_a, tenant_b, outsider, client_for, path):
    pk = _contact(tenant_a, client_for, PERSON)

    def call(world_client):
        url = f"/api/v1/privacy/contacts/{pk}/{path}"
        if path == "erase/":
            return world_client.post(url, {"confirm": "ERASE"}, content_type="application/json")
        return world_client.get(url)

    with tenant_context(tenant_b.tenant):
        assert not Contact.objects.filter(pk=pk).exists()
    assert call(client_for(tenant_b, tenant_b.admin)).status_code == 404  # the same as "does not exist"
    assert call(client_for(tenant_a, tenant_a.staff)).status_code == 403
    assert call(client_for(tenant_a, outsider)).status_code in (302, 403)
    assert call(client_for(tenant_a)).status_code in (302, 401, 403)
    with tenant_context(tenant_a.tenant):
        assert Contact.objects.get(pk=pk).email == PERSON["email"]


def test_member_export_for_themself_or_an_admin_only(tenant_a, tenant_b, client_for):
    viewer = tenant_a.viewer
    own = client_for(tenant_a, viewer).get(f"/api/v1/privacy/members/{viewer.pk}/export/")
    assert own.status_code == 200
    assert own.json()["account"]["email"] == viewer.email
    assert own.json()["membership"]["role"] == "viewer"
    assert client_for(tenant_a, viewer).get(f"/api/v1/privacy/members/{tenant_a.staff.pk}/export/").status_code == 403
    assert client_for(tenant_a, tenant_a.admin).get(f"/api/v1/privacy/members/{viewer.pk}/export/").status_code == 200
    # A member of another tenant is not found here, even for this tenant's admin.
    other = client_for(tenant_a, tenant_a.admin).get(f"/api/v1/privacy/members/{tenant_b.viewer.pk}/export/")
    assert other.status_code == 404


def test_member_export_refuses_outsiders_and_anonymous(tenant_a, tenant_b, outsider, client_for):
    url = f"/api/v1/privacy/members/{tenant_a.viewer.pk}/export/"
    assert client_for(tenant_a, outsider).get(url).status_code in (302, 403)
    assert client_for(tenant_a).get(url).status_code in (302, 401, 403)
    # A session from tenant b replayed on tenant a's host is not a member here.
    assert client_for(tenant_a, tenant_b.admin, bound_to=tenant_b).get(url).status_code in (302, 401, 403)
    with tenant_context(tenant_a.tenant):
        assert not AuditEvent.objects.filter(action="privacy.subject_export").exists()
