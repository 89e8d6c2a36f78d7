"""Field encryption at rest: contacts' e-mail and phone, key rotation, crypto-shredding, blind-index search."""

import importlib

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings
from django_tenants.utils import tenant_context

from apps.partners.models import Contact
from apps.partners.tests.factories import ContactFactory, SupplierFactory
from apps.privacy.keys import destroy_keys
from backend import crypto
from backend.fields import index_lookup

NEW_MASTER = "new2:" + "bmV3LW1hc3Rlci1rZXktZm9yLXJvdGF0aW9uLTMyYiE="


def _raw(contact_id: int) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT email, phone, email_enc, phone_enc, email_index, search_text FROM partners_contact WHERE id = %s",
            [contact_id],
        )
        return dict(
            zip(
                ["email", "phone", "email_enc", "phone_enc", "email_index", "search_text"],
                cursor.fetchone(),
                strict=True,
            )
        )


def test_contact_email_and_phone_are_stored_encrypted(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        supplier = SupplierFactory()
    response = client_for(tenant_a, tenant_a.staff).post(
        "/api/v1/contacts/",
        {"name": "Pat Secret", "supplier": supplier.pk, "email": "pat.secret@example.test", "phone": "+1 555 0100"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["email"] == "pat.secret@example.test"
    with tenant_context(tenant_a.tenant):
        raw = _raw(response.json()["id"])
        assert raw["email"] == raw["phone"] == ""
        assert raw["email_enc"].startswith("pm1:") and "secret" not in raw["email_enc"]
        assert raw["phone_enc"].startswith("pm1:") and "555" not in raw["phone_enc"]
        assert "SECRET@" not in raw["search_text"]
        contact = Contact.objects.get(pk=response.json()["id"])
        assert (contact.email, contact.phone) == ("pat.secret@example.test", "+1 555 0100")


@pytest.mark.parametrize("query", ["pat.exact@example.test", "PAT.Exact@Example.TEST"])
def test_search_by_exact_email_uses_the_blind_index(tenant_a, client_for, query):
    with tenant_context(tenant_a.tenant):
        ContactFactory(name="Exact Match", email="pat.exact@example.test")
        ContactFactory(name="Someone Else", email="other@example.test")
    client = client_for(tenant_a, tenant_a.staff)
    names = [row["name"] for row in client.get("/api/v1/contacts/", {"q": query}).json()["results"]]
    assert names == ["Exact Match"]
    page = client.get("/contacts/", {"q": query}).content.decode()
    assert "Exact Match" in page and "Someone Else" not in page


def test_blind_index_and_ciphertext_are_per_tenant(tenant_a, tenant_b):
    with tenant_context(tenant_a.tenant):
        contact = ContactFactory(email="same@example.test")
        raw_a = _raw(contact.pk)
    with tenant_context(tenant_b.tenant):
        ContactFactory(email="same@example.test")
        assert Contact.objects.filter(email_index=raw_a["email_index"]).count() == 0
        with pytest.raises(crypto.EncryptionError):  # tenant b's key does not open tenant a's value
            crypto.decrypt(raw_a["email_enc"], label="partners.contact.email")


def test_tampered_or_moved_ciphertext_does_not_decrypt(tenant_a):
    with tenant_context(tenant_a.tenant):
        value = crypto.encrypt("pat@example.test", label="partners.contact.email")
        with pytest.raises(crypto.EncryptionError):
            crypto.decrypt(value, label="partners.contact.phone")
        tampered = value[:-6] + ("AAAAAA" if not value.endswith("AAAAAA") else "BBBBBB")
        with pytest.raises(crypto.EncryptionError):
            crypto.decrypt(tampered, label="partners.contact.email")


def test_rows_before_and_after_a_data_key_rotation_decrypt(tenant_a):
    with tenant_context(tenant_a.tenant):
        before = ContactFactory(email="before@example.test", phone="1")
        old_version = crypto.key_version(_raw(before.pk)["email_enc"])
    call_command("rotate_encryption_keys", "--data", "--schema", tenant_a.tenant.schema_name, stdout=None)
    with tenant_context(tenant_a.tenant):
        after = ContactFactory(email="after@example.test")
        assert crypto.key_version(_raw(after.pk)["email_enc"]) == old_version + 1
        # The rotation re-encrypted the old row under the new key too, and both read back.
        assert crypto.key_version(_raw(before.pk)["email_enc"]) == old_version + 1
        assert Contact.objects.get(pk=before.pk).email == "before@example.test"
        assert Contact.objects.get(pk=after.pk).email == "after@example.test"
        assert Contact.objects.filter(**index_lookup(Contact, "email", "before@example.test")).count() == 1


def test_value_under_an_older_data_key_still_decrypts(tenant_a):
    from apps.privacy.keys import rotate_data_key

    with tenant_context(tenant_a.tenant):
        old = crypto.encrypt("old@example.test", label="x")
        rotate_data_key(tenant_a.tenant.schema_name)
        new = crypto.encrypt("new@example.test", label="x")
        assert crypto.key_version(new) == crypto.key_version(old) + 1
        assert crypto.decrypt(old, label="x") == "old@example.test"


def test_master_key_rotation_rewraps_and_the_old_master_can_go(tenant_a, settings):
    with tenant_context(tenant_a.tenant):
        contact = ContactFactory(email="master@example.test")
    old = settings.ENCRYPTION_MASTER_KEYS
    settings.ENCRYPTION_MASTER_KEYS = f"{NEW_MASTER},{old}"
    call_command("rotate_encryption_keys", "--master", "--schema", tenant_a.tenant.schema_name, stdout=None)
    crypto.reset_key_cache()
    with override_settings(ENCRYPTION_MASTER_KEYS=NEW_MASTER), tenant_context(tenant_a.tenant):
        assert Contact.objects.get(pk=contact.pk).email == "master@example.test"


def test_a_destroyed_tenant_key_makes_its_values_unreadable(tenant_a):
    with tenant_context(tenant_a.tenant):
        contact = ContactFactory(email="shred@example.test", phone="+1 555 0199")
        assert destroy_keys(tenant_a.tenant.schema_name) == 2
        raw = _raw(contact.pk)
        assert "shred" not in raw["email_enc"]
        with pytest.raises(crypto.KeyUnavailable):
            Contact.objects.get(pk=contact.pk)


def test_rows_of_the_previous_release_are_read_and_backfilled(tenant_a):
    with tenant_context(tenant_a.tenant):
        supplier = SupplierFactory()
        with connection.cursor() as cursor:  # what the release before encryption writes
            cursor.execute(
                "INSERT INTO partners_contact (name, title, email, phone, supplier_id, is_archived, created_at,"
                " updated_at) VALUES ('Old Row', '', 'old@example.test', '555', %s, false, now(), now()) RETURNING id",
                [supplier.pk],
            )
            pk = cursor.fetchone()[0]
        assert Contact.objects.get(pk=pk).email == "old@example.test"
        backfill = importlib.import_module("apps.partners.migrations.0004_contact_encrypt_backfill")
        backfill.encrypt_clear_values(apps, None)
        raw = _raw(pk)
        assert raw["email"] == raw["phone"] == "" and raw["email_enc"].startswith("pm1:")
        assert Contact.objects.get(**index_lookup(Contact, "email", "old@example.test")).phone == "555"
        backfill.decrypt_into_clear_columns(apps, None)  # the migration is reversible
        assert _raw(pk)["email"] == "old@example.test"


def test_rotate_command_needs_a_choice_and_a_known_schema(tenant_a):
    with pytest.raises(CommandError, match="--master, --data"):
        call_command("rotate_encryption_keys")
    with pytest.raises(CommandError, match="No tenant"):
        call_command("rotate_encryption_keys", "--data", "--schema", "nope")
