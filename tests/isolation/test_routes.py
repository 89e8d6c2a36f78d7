"""Every tenant route gets every generic isolation check that applies to it (tests/isolation/walker.py).

One test per route, so a failure names it (`test_route_is_isolated[/suppliers/<int:pk>/]`); inside, every
check runs and the failure lists each check that failed with the request and the answer.
"""

import pytest

from . import walker
from .checks import CHECKS, Probe
from .registry import REGISTRY
from .summary import RESULTS


def _exercisable_routes() -> list:
    routes = [r for r in walker.tenant_routes() if walker.generic_checks(r, REGISTRY)]
    # A route the walker cannot fill is a coverage gap (test_walker.py), not a crash here.
    return [pytest.param(r, id=r.key) for r in routes if r.buildable and not walker.unfilled_params(r)]


@pytest.fixture
def probe(tenant_a, tenant_b, outsider, client_for) -> Probe:
    return Probe(here=tenant_a, other=tenant_b, outsider=outsider, client_for=client_for)


@pytest.mark.parametrize("route", _exercisable_routes())
def test_route_is_isolated(probe, route):
    failures = []
    for check in walker.generic_checks(route, REGISTRY):
        try:
            CHECKS[check](probe, route)
        except AssertionError as exc:
            failures.append(f"{check}: {exc}")
            RESULTS.record(route, check, passed=False)
        else:
            RESULTS.record(route, check, passed=True)
    assert not failures, "\n".join(failures)
