"""Schemathesis over the whole tenant API: the OpenAPI document is the contract, and the code keeps it.

The schema is the one a tenant host serves (`/api/v1/schema/`); every operation in it gets schemathesis'
examples and fuzzing phases (valid and invalid input; `API_CONTRACT_DEEP=1` adds the coverage phase, every
boundary and negative value: ~10,000 requests), sent through Django's WSGI handler inside this test's
transaction as the tenant's owner with a real API token. Three checks, and no failure allowed:

- no 5xx (`not_a_server_error`),
- no status code the operation does not document (`status_code_conformance`),
- every body matches its documented schema and content type (`response_schema_conformance`,
  `content_type_conformance`).

Seeded and derandomized: the same code sends the same requests (`API_CONTRACT_SEED` picks another run,
`API_CONTRACT_ONLY=<path regex>` narrows it). One line goes to pytest's terminal summary: operations,
requests, failures by kind. schemathesis' own pytest plugin does not run on pytest 9 (it sets a node's
`_nodeid`), so the test drives its per-operation hypothesis tests (`get_all_tests`) itself.
"""

from __future__ import annotations

import os
from collections import Counter
from contextlib import contextmanager

import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django_tenants.utils import tenant_context
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.pytest.lazy import get_all_tests
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from apps.accounts.tokens import api_token_create
from apps.tenants.models import Client

SEED = int(os.environ.get("API_CONTRACT_SEED", "20261206"))
MAX_EXAMPLES = 15  # fuzzing examples per operation
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
KINDS = {
    "ServerError": "server error",
    "UndefinedStatusCode": "undocumented status",
    "JsonSchemaError": "schema violation",
    "UndefinedContentType": "schema violation",
    "MissingContentType": "schema violation",
    "MalformedJson": "schema violation",
}
REVOKE_PATH = "/api/v1/auth/token/revoke/"

DEEP = bool(os.environ.get("API_CONTRACT_DEEP"))
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
        "phases": {"coverage": {"enabled": DEEP}, "stateful": {"enabled": False}},
    }
)


class Tally:
    def __init__(self) -> None:
        self.operations: set[str] = set()
        self.requests = 0
        self.kinds: Counter[str] = Counter()
        self.examples: dict[tuple[str, str], str] = {}

    def record(self, label: str, failures: list[BaseException]) -> None:
        for failure in failures:
            kind = KINDS.get(type(failure).__name__, type(failure).__name__)
            self.kinds[kind] += 1
            first_line = (failure.message.splitlines() or [""])[0]  # a server error's message may be empty
            self.examples.setdefault((label, kind), f"{failure.title}: {first_line}"[:300])

    def line(self) -> str:
        failed = sum(self.kinds.values())
        by_kind = ", ".join(f"{count} {kind}" for kind, count in sorted(self.kinds.items())) or "none"
        return (
            f"schemathesis (seed {SEED}): {len(self.operations)} operations, {self.requests} requests, "
            f"{failed} failures ({by_kind})"
        )


def _token(tenant_world) -> str:
    with tenant_context(tenant_world.tenant):
        return api_token_create(user=tenant_world.owner, tenant=tenant_world.tenant)[1]


@contextmanager
def in_transaction_wsgi():
    """Django's WSGI handler for schemathesis, inside this test's transaction: like Django's test client,
    keep `close_old_connections` off the request signals (it would close the connection mid-transaction;
    the test client puts it back after each of its own requests, so use no test client meanwhile)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_api_keeps_its_openapi_contract(tenant_a, client_for, report_summary):
    Client.objects.filter(pk=tenant_a.tenant.pk).update(
        plan="enterprise", quota_overrides={"api_requests_per_minute": None}
    )
    raw = client_for(tenant_a, tenant_a.owner).get("/api/v1/schema/", {"format": "json"}).json()
    schema = schemathesis.openapi.from_dict(raw, config=CONFIG)
    if os.environ.get("API_CONTRACT_ONLY"):
        schema = schema.include(path_regex=os.environ["API_CONTRACT_ONLY"])
    base_url = f"http://{tenant_a.domain}"
    token = _token(tenant_a)
    tally = Tally()

    def exercise(case) -> None:
        # Revoking the run's token would cut off the rest of the run: that operation gets its own.
        headers = {"Authorization": f"Bearer {_token(tenant_a) if case.path == REVOKE_PATH else token}"}
        response = case.call(base_url=base_url, headers=headers)
        tally.requests += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as group:
            tally.record(case.operation.label, list(group.exceptions))

    with in_transaction_wsgi() as app:
        schema.app = app
        for result in get_all_tests(schema=schema, test_func=exercise, settings=None, given_kwargs=None):
            operation, run = result.ok()  # a schema error raises here
            tally.operations.add(operation.label)
            run()
    report_summary(tally.line())
    assert not tally.kinds, "\n".join(
        [tally.line(), *(f"{label}: {kind}: {example}" for (label, kind), example in sorted(tally.examples.items()))]
    )
