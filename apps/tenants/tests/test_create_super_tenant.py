from io import StringIO

from django.core.management import call_command
from django.db import connection

from apps.tenants.models import Client, Domain


def _run() -> str:
    out = StringIO()
    call_command("create_super_tenant", "--no-input", stdout=out)
    return out.getvalue()


def _snapshot():
    return list(Client.objects.values_list("schema_name", "name", "updated_at")), list(
        Domain.objects.values_list("domain", "tenant_id", "is_primary")
    )


def test_create_super_tenant_is_idempotent(world, db):
    _run()
    before = _snapshot()
    output = _run()
    assert "up to date" in output
    assert _snapshot() == before


def test_create_super_tenant_creates_public_tenant_on_base_domain(world, db):
    Domain.objects.filter(tenant__schema_name="public").delete()
    Client.objects.filter(schema_name="public").delete()
    output = _run()
    assert "Created public tenant" in output
    public = Client.objects.get(schema_name="public")
    assert public.get_primary_domain().domain == "localhost"
    # The public schema itself is untouched: shared tables are still there.
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('public.accounts_user')")
        assert cursor.fetchone()[0] is not None


def test_create_super_tenant_updates_name_from_settings(world, db, settings):
    settings.PUBLIC_TENANT_NAME = "ProjectMeats Platform"
    output = _run()
    assert "Updated public tenant: name" in output
    assert Client.objects.get(schema_name="public").name == "ProjectMeats Platform"
