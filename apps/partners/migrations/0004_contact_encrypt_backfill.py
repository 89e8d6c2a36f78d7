# Backfill of Contact e-mail/phone encryption, after the deploy (the previous release may still write clear
# values until then): every clear value is encrypted into email_enc/phone_enc, indexed, and blanked.
# Reversible: going back decrypts into the clear columns. Batches keep each UPDATE short.
from django.db import migrations
from syzygy import Stage

BATCH = 500


def encrypt_clear_values(apps, schema_editor):
    Contact = apps.get_model("partners", "Contact")
    index = Contact._meta.get_field("email_index")
    pending = Contact.objects.exclude(legacy_email="", legacy_phone="").order_by("pk")
    while batch := list(pending[:BATCH]):
        for contact in batch:
            contact.email = contact.email or contact.legacy_email
            contact.phone = contact.phone or contact.legacy_phone
            contact.email_index = index.index_value(Contact, contact.email)
            contact.legacy_email = contact.legacy_phone = ""
        Contact.objects.bulk_update(batch, ["email", "phone", "email_index", "legacy_email", "legacy_phone"])


def decrypt_into_clear_columns(apps, schema_editor):
    Contact = apps.get_model("partners", "Contact")
    for contact in Contact.objects.exclude(email="", phone="").iterator(chunk_size=BATCH):
        Contact.objects.filter(pk=contact.pk).update(legacy_email=contact.email, legacy_phone=contact.phone)


class Migration(migrations.Migration):
    stage = Stage.POST_DEPLOY

    dependencies = [("partners", "0003_contact_email_index_idx")]

    operations = [migrations.RunPython(encrypt_clear_values, decrypt_into_clear_columns, elidable=False)]
