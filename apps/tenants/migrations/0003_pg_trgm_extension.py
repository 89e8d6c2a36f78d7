"""pg_trgm lives once per database, in public: create it with the shared schema, before any tenant
migration needs it, so parallel tenant migrations never race to create it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("tenants", "0002_client_require_mfa")]

    operations = [
        migrations.RunSQL("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public", migrations.RunSQL.noop),
    ]
