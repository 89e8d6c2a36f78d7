import pytest
from django.core.management import CommandError, call_command

from apps.accounts.models import Membership, User
from apps.tenants.management.commands.seed_demo import DEMO_PASSWORD
from apps.tenants.models import Client


def test_seed_demo_refuses_outside_development(world, db, settings):
    settings.SEED_DEMO_ALLOWED = False
    with pytest.raises(CommandError, match="development"):
        call_command("seed_demo")
    assert not Client.objects.filter(schema_name="acme").exists()


def test_seed_demo_builds_demo_world_and_is_idempotent(world, db):
    call_command("seed_demo")
    call_command("seed_demo")
    assert set(Client.objects.filter(schema_name__in=["acme", "globex"]).values_list("schema_name", flat=True)) == {
        "acme",
        "globex",
    }
    for schema in ("acme", "globex"):
        roles = dict(Membership.objects.filter(tenant__schema_name=schema).values_list("user__email", "role"))
        assert roles == {f"{role}@{schema}.example": role for role in ["owner", "admin", "manager", "staff", "viewer"]}
        assert User.objects.get(email=f"viewer@{schema}.example").check_password(DEMO_PASSWORD)
    outsider = User.objects.get(email="outsider@example.com")
    assert outsider.check_password(DEMO_PASSWORD)
    assert not outsider.memberships.exists()
