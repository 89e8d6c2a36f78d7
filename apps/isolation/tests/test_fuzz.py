"""The cross-tenant fuzzer in CI: two tenants with colliding primary keys, thousands of mixed requests.

Both test tenants get the same canary world (apps.isolation.canary, through the real API) after their id
sequences are set equal, so every planted record has the same id in alpha and in beta with different
content. Hypothesis then draws probes (apps.isolation.probes: pages, API lists and details, searches,
exports; the other tenant's ids, search values, session cookies, tokens and tenant-selecting headers)
and a response that carries the other tenant's marker, or any 5xx, fails the test. Seeded: the same
seed makes the same choices (ISOLATION_FUZZ_SEED picks another); the ids chosen from depend on what the
session created before.
"""

from __future__ import annotations

import os

import pytest
from django.db import connection
from django_tenants.utils import schema_context
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from apps.accounts.models import Membership
from apps.isolation.canary import Api, discover, plant
from apps.isolation.live import obtain_token
from apps.isolation.probes import Prober, draw_probe
from apps.partners.models import Supplier
from apps.tenants.models import Client
from backend.clock import platform_today
from backend.tenant_export import delete_storage_prefix
from conftest import TEST_PASSWORD

from .conftest import ClientCredentials

SEED = int(os.environ.get("ISOLATION_FUZZ_SEED", "20260513"))
BATCHES, PER_BATCH = 105, 20  # 2,100 requests
MARKERS = {"a": "isocanaryalpha3x9q2", "b": "isocanarybetaw7m4z8"}  # PREFIX + 10


class DrawChooser:
    """`probes.Chooser` for hypothesis: every choice is a draw, so a failure shrinks to a small probe."""

    def __init__(self, data) -> None:
        self.data = data

    def choice(self, options):
        return self.data.draw(st.sampled_from(options))


def align_sequences(*schemas: str) -> None:
    """Move every id sequence of these schemas forward to the same next value, so the same inserts collide.

    Never backwards: a sequence that was set without being read (a cloned schema's) shows no last_value
    in pg_sequences, so the next value comes from each sequence itself. Sequences ignore rollbacks, so
    what this moves stays moved, harmlessly, after the test."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT schemaname, sequencename FROM pg_sequences WHERE schemaname = ANY(%s)", [list(schemas)])
        following: dict[str, dict[str, int]] = {}
        for schema, name in cursor.fetchall():
            cursor.execute(f'SELECT last_value, is_called FROM "{schema}"."{name}"')
            last, called = cursor.fetchone()
            following.setdefault(name, {})[schema] = last + 1 if called else last
        for name, values in following.items():
            for schema in values:
                cursor.execute("SELECT setval(%s, %s, false)", [f'"{schema}"."{name}"', max(values.values())])


@pytest.fixture
def canaries(tenant_a, tenant_b, transport):
    """Both tenants' canary worlds, colliding ids; plus one supplier only beta has and one customer only
    alpha has. Tokens through the real endpoint; API rate limits lifted (2,000 requests in a minute)."""
    worlds = {"a": tenant_a, "b": tenant_b}
    for tw in worlds.values():
        Client.objects.filter(pk=tw.tenant.pk).update(
            plan="enterprise", quota_overrides={"api_requests_per_minute": None}
        )
    tokens = {
        label: obtain_token(transport, host=tw.domain, email=tw.owner.email, password=TEST_PASSWORD)
        for label, tw in worlds.items()
    }
    align_sequences(tenant_a.tenant.schema_name, tenant_b.tenant.schema_name)
    apis = {label: Api(transport, host=tw.domain, token=tokens[label]) for label, tw in worlds.items()}
    for label, api in apis.items():
        plant(api, marker=MARKERS[label], today=platform_today())
    apis["b"].post("suppliers/", {"code": "ISO-ONLY", "name": f"{MARKERS['b']} only here"})
    apis["a"].post("customers/", {"code": "ISO-ONLY", "name": f"{MARKERS['a']} only here", "credit_limit": "1"})
    found = {}
    for label, tw in worlds.items():
        memberships = Membership.objects.filter(tenant=tw.tenant).values_list("pk", flat=True)
        found[label] = discover(
            apis[label],
            label=label,
            extra_markers=(f"@{tw.tenant.schema_name}.test",),
            extra_ids={"membership": list(memberships)},
        )
    yield found, tokens
    connection.set_schema_to_public()
    for tw in worlds.values():
        delete_storage_prefix(prefix=tw.tenant.schema_name)


def prober_for(canaries, *, client_for, tenant_a, tenant_b, transport) -> Prober:
    found, tokens = canaries
    worlds = {"a": tenant_a, "b": tenant_b}
    credentials = ClientCredentials(client_for=client_for, worlds=worlds, tokens=tokens)
    return Prober(transport=transport, credentials=credentials, canaries=(found["a"], found["b"]))


def fuzz(prober: Prober, *, phases=(Phase.generate, Phase.shrink)) -> None:
    """BATCHES hypothesis examples of PER_BATCH probes each; the first leak or 5xx fails (and shrinks)."""

    @seed(SEED)
    @settings(
        max_examples=BATCHES,
        database=None,
        deadline=None,
        phases=phases,
        # Each example is a batch of real requests: slow and large by design.
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )
    @given(st.data())
    def batch(data):
        choose = DrawChooser(data)
        for _ in range(PER_BATCH):
            finding = prober.send(draw_probe(choose, prober.canaries))
            assert not finding.markers, "cross-tenant leak: " + finding.describe()
            assert finding.status < 500, "server error: " + finding.describe()

    batch()


def test_no_response_carries_the_other_tenants_data(
    canaries, transport, client_for, tenant_a, tenant_b, report_summary
):
    prober = prober_for(canaries, client_for=client_for, tenant_a=tenant_a, tenant_b=tenant_b, transport=transport)
    a, b = prober.canaries
    # The premise: the same ids in both tenants, different content, and ids that exist on one side only.
    for kind in ("supplier", "customer", "product", "salesorder", "invoice", "payment", "claim", "evidenceversion"):
        assert set(a.ids[kind]) & set(b.ids[kind]), kind
    assert set(b.ids["supplier"]) - set(a.ids["supplier"])
    assert set(a.ids["customer"]) - set(b.ids["customer"])
    with schema_context(tenant_b.tenant.schema_name):
        assert Supplier.objects.filter(name__startswith=MARKERS["b"]).count() == 2
    with schema_context(tenant_a.tenant.schema_name):
        assert not Supplier.objects.filter(name__contains=MARKERS["b"]).exists()
    try:
        fuzz(prober)
    finally:
        report_summary(f"isolation fuzzer (seed {SEED}): {prober.tally.summary()}")
    assert prober.tally.requests >= 2000


def test_the_fuzzer_fails_on_a_leaking_view(canaries, transport, client_for, tenant_a, tenant_b, settings):
    """The same run against a URLconf whose API detail routes read the other tenant's schema."""
    prober = prober_for(canaries, client_for=client_for, tenant_a=tenant_a, tenant_b=tenant_b, transport=transport)
    settings.ROOT_URLCONF = "apps.isolation.tests.leaky_urls"
    with pytest.raises(
        AssertionError, match=r"cross-tenant leak: GET /api/v1/[a-z-]+/0?\d+/ .* carrying [ab]:isocanary"
    ):
        fuzz(prober, phases=(Phase.generate,))
    assert prober.tally.leaks and prober.tally.requests < 2000
