# The blind index is looked up for exact e-mail searches; built CONCURRENTLY by the fleet (backend.safe_ddl),
# so in a migration of its own.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("partners", "0002_contact_encrypted_email_phone")]

    operations = [
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(fields=["email_index"], name="contact_email_index_idx"),
        ),
    ]
