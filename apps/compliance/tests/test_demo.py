"""seed_demo gives each demo tenant compliance items in every RAG state, once."""

from django.core.management import call_command
from django_tenants.utils import tenant_context

from apps.compliance.models import ComplianceItem
from apps.compliance.selectors import rag_counts
from apps.tenants.models import Client


def _state(schema: str):
    with tenant_context(Client.objects.get(schema_name=schema)):
        return ComplianceItem.objects.count(), rag_counts()


def test_each_demo_tenant_has_items_in_every_rag_state_and_seeding_is_idempotent(world, db):
    call_command("seed_demo")
    first = {schema: _state(schema) for schema in ("acme", "globex")}
    for items, counts in first.values():
        assert items == 4
        assert all(counts[colour] >= 1 for colour in ("red", "amber", "green", "done")), counts
    call_command("seed_demo")
    assert {schema: _state(schema) for schema in ("acme", "globex")} == first
