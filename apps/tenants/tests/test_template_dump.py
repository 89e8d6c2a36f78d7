"""pg_dump of the tenant template reads the whole catalog (65 s at 5,000 tenants): it is made once per
template state and shared through tenants_templatedump, and a dump that takes too long falls back."""

import pytest
from django.db import connection

from apps.tenants.models import TemplateDump
from backend import provisioning


@pytest.fixture
def no_dump_in_process():
    provisioning._cached_dump = None
    yield
    provisioning._cached_dump = None


def test_a_template_dump_is_made_once_and_read_by_other_processes(world, db, settings, no_dump_in_process):
    TemplateDump.objects.all().delete()
    sql = provisioning.template_sql()
    assert TemplateDump.objects.get().fingerprint == provisioning.template_fingerprint()
    provisioning._cached_dump = None  # another process: nothing dumped in it yet
    settings.TENANT_TEMPLATE_DUMP_TIMEOUT = 0.001  # pg_dump cannot finish: the stored SQL must be used
    assert provisioning.template_sql() == sql


def test_a_template_dump_that_takes_too_long_falls_back_to_the_migration_path(world, db, settings, no_dump_in_process):
    TemplateDump.objects.all().delete()
    settings.TENANT_TEMPLATE_DUMP_TIMEOUT = 0.001
    with pytest.raises(provisioning.TemplateUnavailable, match="longer than"):
        provisioning.template_sql()
    assert provisioning.template_prepare() is False  # logged; tenant_create then migrates the schema


def test_a_refreshed_template_forgets_the_stored_dump(world, db, no_dump_in_process):
    provisioning.template_sql()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA {provisioning.template_schema_name()} CASCADE")  # rolled back after the test
    assert provisioning.template_refresh() is True
    assert not TemplateDump.objects.exists()
