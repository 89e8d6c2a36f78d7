# Expand step of Contact e-mail/phone encryption (issue 16). The previous release keeps reading and writing
# the clear columns `email` and `phone`; this one adds `email_enc`/`phone_enc` (ciphertext, backend.fields)
# and `email_index` (blind index). In the model the clear columns become `legacy_email`/`legacy_phone`
# (state only: same columns), and `search_text` is the same generated expression over the same columns.
import django.db.models.functions.text
from django.db import migrations, models

import backend.fields

ADD_COLUMNS = """
ALTER TABLE partners_contact ADD COLUMN email_enc text DEFAULT '' NOT NULL;
ALTER TABLE partners_contact ADD COLUMN phone_enc text DEFAULT '' NOT NULL;
"""
DROP_COLUMNS = """
ALTER TABLE partners_contact DROP COLUMN email_enc;
ALTER TABLE partners_contact DROP COLUMN phone_enc;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0001_initial"),
        ("privacy", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(ADD_COLUMNS, DROP_COLUMNS)],
            state_operations=[
                migrations.RenameField(model_name="contact", old_name="email", new_name="legacy_email"),
                migrations.RenameField(model_name="contact", old_name="phone", new_name="legacy_phone"),
                migrations.AlterField(
                    model_name="contact",
                    name="legacy_email",
                    field=models.EmailField(blank=True, db_column="email", editable=False, max_length=254),
                ),
                migrations.AlterField(
                    model_name="contact",
                    name="legacy_phone",
                    field=models.CharField(blank=True, db_column="phone", editable=False, max_length=40),
                ),
                migrations.AddField(
                    model_name="contact",
                    name="email",
                    field=backend.fields.EncryptedEmailField(
                        blank=True,
                        db_column="email_enc",
                        db_default="",
                        default="",
                        max_length=254,
                        verbose_name="e-mail",
                    ),
                ),
                migrations.AddField(
                    model_name="contact",
                    name="phone",
                    field=backend.fields.EncryptedTextField(
                        blank=True, db_column="phone_enc", db_default="", default="", max_length=40
                    ),
                ),
                migrations.AlterField(
                    model_name="contact",
                    name="search_text",
                    field=models.GeneratedField(
                        db_persist=True,
                        expression=django.db.models.functions.text.Upper(
                            django.db.models.functions.text.Concat(
                                models.F("name"),
                                models.Value(" "),
                                models.F("title"),
                                models.Value(" "),
                                models.F("legacy_email"),
                                models.Value(" "),
                                models.F("legacy_phone"),
                                output_field=models.TextField(),
                            )
                        ),
                        output_field=models.TextField(),
                    ),
                ),
            ],
        ),
        migrations.AddField(
            model_name="contact",
            name="email_index",
            field=backend.fields.BlindIndexField(db_default="", default="", source="email"),
        ),
    ]
