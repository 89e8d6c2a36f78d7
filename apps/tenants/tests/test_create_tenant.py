import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from apps.accounts.models import Membership
from apps.tenants.models import Client, Domain


def _schema_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [name])
        return cursor.fetchone() is not None


def _create(**overrides):
    options = {"schema": "gamma", "name": "Gamma Foods", "domain": "gamma.localhost", "owner_email": "boss@gamma.test"}
    options.update(overrides)
    call_command("create_tenant", **options)


def test_create_tenant_provisions_schema_domain_and_owner(world, db):
    _create()
    tenant = Client.objects.get(schema_name="gamma")
    assert tenant.name == "Gamma Foods"
    assert _schema_exists("gamma")
    assert Domain.objects.get(domain="gamma.localhost").tenant == tenant
    membership = Membership.objects.get(tenant=tenant)
    assert (membership.user.email, membership.role) == ("boss@gamma.test", "owner")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM gamma.audit_auditevent")
        assert cursor.fetchone() == (0,)


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ("Bad-Name", "Invalid schema name"),
        ("public", "reserved"),
        ("pg_x", "reserved"),
        ("a" * 70, "Invalid schema name"),
        ("1abc", "Invalid schema name"),
        ("alpha", "already exists"),
    ],
)
def test_create_tenant_refuses_bad_or_taken_schema(world, db, schema, message):
    before = Client.objects.count()
    with pytest.raises(CommandError, match=message) as excinfo:
        _create(schema=schema, domain="fresh.localhost")
    assert "\n" not in str(excinfo.value)
    assert Client.objects.count() == before
    assert not Domain.objects.filter(domain="fresh.localhost").exists()


def test_create_tenant_refuses_taken_domain_and_leaves_no_schema(world, db):
    with pytest.raises(CommandError, match="already in use"):
        _create(domain="alpha.localhost")
    assert not _schema_exists("gamma")
    assert not Client.objects.filter(schema_name="gamma").exists()


@pytest.mark.parametrize("domain", ["not a domain", "-bad.localhost", "localhost", ""])
def test_create_tenant_refuses_invalid_domain(world, db, domain):
    with pytest.raises(CommandError, match="(?i)domain"):
        _create(domain=domain)
    assert not _schema_exists("gamma")


def test_create_tenant_refuses_invalid_owner_email(world, db):
    with pytest.raises(CommandError, match="owner e-mail"):
        _create(owner_email="not-an-email")
    assert not _schema_exists("gamma")


def test_create_tenant_failure_midway_leaves_nothing_behind(world, db, monkeypatch):
    """A failure after the schema was created (here: creating the domain) rolls everything back."""

    def explode(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Domain.objects, "create", explode)
    with pytest.raises(RuntimeError):
        _create()
    assert not _schema_exists("gamma")
    assert not Client.objects.filter(schema_name="gamma").exists()
