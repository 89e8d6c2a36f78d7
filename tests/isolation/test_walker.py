"""The walker itself: it knows every tenant route, fails CI on a route nobody covers, and its checks catch leaks."""

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import Resolver404, resolve

from . import walker
from .checks import CHECKS, Probe
from .objects import record_factories
from .registry import REGISTRY
from .walker import Registered

GAPS_URLCONF = "tests.isolation.urls_with_gaps"


def test_every_tenant_route_is_covered_generically_or_by_registered_tests():
    assert walker.coverage_gaps(settings.ROOT_URLCONF, REGISTRY, record_factories()) == []


def test_registry_names_existing_routes_and_existing_tests():
    assert walker.registry_problems(settings.ROOT_URLCONF, REGISTRY) == []


def test_walker_reports_new_routes_that_nothing_covers():
    gaps = walker.coverage_gaps(GAPS_URLCONF, REGISTRY, record_factories())
    assert [gap.split(": ")[0] for gap in gaps] == [
        "/gadgets/<int:gadget_id>/",
        "/^legacy/(?P<pk>\\d+)/$",
        "/audit/<int:pk>/",
        "/api/v1/legacy-export/",
    ], gaps
    assert "no value for parameter(s) gadget_id" in gaps[0]
    assert "no factory for audit.AuditEvent" in gaps[2]


def test_registering_a_route_with_its_test_closes_the_gap():
    covering = "apps/accounts/tests/test_api_token.py::test_outsider_cannot_get_a_token"
    registry = {**REGISTRY, "/gadgets/<int:gadget_id>/": Registered(tests=(covering,), reason="example")}
    gaps = walker.coverage_gaps(GAPS_URLCONF, registry, record_factories())
    assert not any(gap.startswith("/gadgets/") for gap in gaps)
    assert walker.registry_problems(GAPS_URLCONF, registry) == []


def test_registry_entries_must_name_real_routes_and_real_tests():
    registry = {
        **REGISTRY,
        "/no-such-page/": Registered(
            tests=("tests/test_isolation.py::test_row_created_in_tenant_a_is_invisible_in_tenant_b",), reason="x"
        ),
        "/gadgets/<int:gadget_id>/": Registered(tests=("tests/test_isolation.py::test_that_was_deleted",), reason="x"),
        "/audit/<int:pk>/": Registered(tests=(), reason="x"),
    }
    assert walker.registry_problems(GAPS_URLCONF, registry) == [
        "/no-such-page/: registered but no such tenant route",
        "/gadgets/<int:gadget_id>/: tests/test_isolation.py::test_that_was_deleted does not exist",
        "/audit/<int:pk>/: registered without a covering test",
    ]


def test_walker_sees_every_operation_the_served_schema_lists(tenant_a, client_for):
    served = client_for(tenant_a).get("/api/v1/schema/", {"format": "json"}).json()
    operations = {
        f"{method.upper()} {path}"
        for path, item in served["paths"].items()
        for method in item
        if method != "parameters"
    }
    assert operations == {r.key for r in walker.tenant_routes() if r.kind == "api"}


def test_no_tenant_route_is_served_by_the_public_urlconf():
    # The public host has no tenant schema: only its own landing page shares a path with a tenant page.
    shared = []
    for route in walker.tenant_routes():
        try:
            resolve(route.url(dict.fromkeys(route.params, "1")), settings.PUBLIC_SCHEMA_URLCONF)
        except Resolver404:
            continue
        shared.append(route.key)
    assert shared == ["/"]


def test_walker_knows_the_record_behind_each_route():
    by_key = {r.key: r for r in walker.tenant_routes()}
    labels = {
        key: walker.record_model(by_key[key])._meta.label
        for key in (
            "/suppliers/<int:pk>/edit/",
            "/members/<int:membership_id>/role/",
            "/settings/domains/<int:pk>/remove/",
            "/compliance/evidence/versions/<int:pk>/",
            "/compliance-tasks/<int:pk>/evidence/",
            "POST /api/v1/claims/{id}/settle/",
        )
    }
    assert labels == {
        "/suppliers/<int:pk>/edit/": "partners.Supplier",
        "/members/<int:membership_id>/role/": "accounts.Membership",
        "/settings/domains/<int:pk>/remove/": "tenants.Domain",
        "/compliance/evidence/versions/<int:pk>/": "compliance.EvidenceVersion",
        "/compliance-tasks/<int:pk>/evidence/": "compliance.ComplianceTask",
        "POST /api/v1/claims/{id}/settle/": "claims.Claim",
    }


@pytest.mark.parametrize(
    ("key", "check", "message"),
    [
        ("/members/<int:membership_id>/email/", walker.FOREIGN_ID, "answers differently from GET /members/900002/"),
        ("/notes/quick/", walker.CSRF, "without CSRF token: expected 403, got 200"),
        ("GET /api/v1/open-stats/", walker.ANONYMOUS, "anonymous GET /api/v1/open-stats/: expected 401, got 200"),
        ("GET /api/v1/open-stats/", walker.FOREIGN_TOKEN, "other tenant's token GET .*: expected 401, got 200"),
        ("GET /api/v1/open-stats/", walker.FOREIGN_SESSION, "other tenant's session GET .*: expected 401, got 200"),
        ("/invitations/<int:invitation_id>/details/", walker.ANONYMOUS, "anonymous GET .*: expected a redirect"),
        ("/invitations/<int:invitation_id>/details/", walker.OUTSIDER, "outsider GET .*: expected 403, got 200"),
    ],
)
def test_generic_checks_catch_a_leaky_route(tenant_a, tenant_b, outsider, client_for, key, check, message):
    route = {r.key: r for r in walker.tenant_routes(GAPS_URLCONF)}[key]
    assert check in walker.generic_checks(route, REGISTRY)
    probe = Probe(here=tenant_a, other=tenant_b, outsider=outsider, client_for=client_for)
    with override_settings(ROOT_URLCONF=GAPS_URLCONF):
        assert resolve(route.url(dict.fromkeys(route.params, 1))).url_name  # served by this URLconf now
        with pytest.raises(AssertionError, match=message):
            CHECKS[check](probe, route)
