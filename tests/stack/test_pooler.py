"""Tenant isolation through PgBouncer in transaction mode under concurrency (issue 14).

32 client threads alternate between three tenants (acme, globex and a third created here) and read
back a marker customer that exists in every tenant schema under the same id but with the tenant's own
name. The name is computed by PostgreSQL from the schema the statement ran in, so an answer carrying
another tenant's marker (or a 404, or a 500 `relation … does not exist`) is a statement that ran in the
wrong schema. PgBouncer serves the app's threads with fewer server connections than there are clients,
so consecutive transactions of one app thread land on different server connections.

On main's engine (django-tenants' session-level `SET search_path` as a statement of its own) this
workload got a large share of other tenants' answers; with backend.postgresql it must get none.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from deploy.stack import free_port
from deploy.stack.services import start_gunicorn, start_nginx

from .conftest import api_token
from .http import request

CLIENTS = 32
# The issue asks for 20,000; POOLER_STACK_REQUESTS lowers it for a quick local look.
REQUESTS = int(os.environ.get("POOLER_STACK_REQUESTS", "20000"))
PLAIN_SETTINGS = "projectmeats.settings.plain_tenants"
TENANTS = {
    # host: (sign-in e-mail with a capability to create customers there, source address for the token)
    "acme.localhost": ("owner@acme.example", "127.0.0.41"),
    "globex.localhost": ("owner@globex.example", "127.0.0.42"),
    "initech.localhost": ("viewer@acme.example", "127.0.0.43"),  # made owner of initech below
}


def _marker_name(host: str) -> str:
    return f"Pooler marker {host.split('.')[0]}"


def _setup_tenants(stack, http) -> dict[str, tuple[str, int]]:
    """Third tenant, one token per tenant, one marker customer per schema with the same id everywhere."""
    if http("GET", "/login/", host="initech.localhost", source="127.0.0.43").status == 404:
        stack.manage(
            "create_tenant",
            "--schema=initech",
            "--name=Initech Foods",
            "--domain=initech.localhost",
            "--owner-email=viewer@acme.example",
            "--no-input",
            direct=True,
        )
    ids = {}
    for host, (email, source) in TENANTS.items():
        token = api_token(http, email=email, source=source, host=host)
        body = {"code": "POOLMARK", "name": _marker_name(host), "city": "Omaha", "state": "NE"}
        created = http("POST", "/api/v1/customers/", host=host, source=source, json=body, headers=_auth(token))
        assert created.status == 201, created.text
        ids[host] = (token, created.json()["id"])
    return ids


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


MARKER_ID = 900_000_001


def _align_marker_ids(stack, ids: dict[str, tuple[str, int]]) -> int:
    """Give every marker the same id (far above the demo rows'), directly in PostgreSQL, so a detail
    request that runs in another tenant's schema finds that tenant's marker instead of a 404."""
    with stack.direct.connect(autocommit=True) as conn:
        for host, (_, marker_id) in ids.items():
            schema = host.split(".")[0]
            conn.execute(f'UPDATE "{schema}".partners_customer SET id = %s WHERE id = %s', [MARKER_ID, marker_id])
    return MARKER_ID


def run_mixed_tenants(port: int, tokens: dict[str, str], marker_id: int, *, clients: int, requests: int) -> Counter:
    """`requests` GETs of the marker from `clients` threads, each alternating over the hosts; outcome counts."""
    hosts = sorted(tokens)

    def one(number: int) -> str:
        host = hosts[number % len(hosts)]
        try:
            reply = request(port, "GET", f"/api/v1/customers/{marker_id}/", host=host, headers=_auth(tokens[host]))
        except OSError:
            return "connection error"
        if reply.status != 200:
            return f"status {reply.status}"
        name = reply.json().get("name")
        return "own tenant" if name == _marker_name(host) else "other tenant"

    with ThreadPoolExecutor(clients) as pool:
        return Counter(pool.map(one, range(requests), chunksize=64))


def set_api_limit(stack, limit: int | str | None) -> None:
    """The plan's API requests per minute (None: no limit) for the three tenants, saved through the ORM
    so the shared routing cache forgets them."""
    overrides = "{}" if limit == "plan" else f"{{'api_requests_per_minute': {limit}}}"
    code = (
        "from apps.tenants.models import Client\n"
        "for tenant in Client.objects.filter(schema_name__in=['acme', 'globex', 'initech']):\n"
        f"    tenant.quota_overrides = {overrides}\n"
        "    tenant.save(update_fields=['quota_overrides'])\n"
    )
    stack.manage("shell", "-c", code)


def _mixed_load(stack, http, port: int) -> Counter:
    assert stack.config.pool_size < CLIENTS
    ids = _setup_tenants(stack, http)
    marker_id = _align_marker_ids(stack, ids)
    tokens = {host: token for host, (token, _) in ids.items()}
    set_api_limit(stack, None)  # 20,000 requests in a minute or two: more than any plan allows
    try:
        started = time.monotonic()
        outcomes = run_mixed_tenants(port, tokens, marker_id, clients=CLIENTS, requests=REQUESTS)
        seconds = time.monotonic() - started
    finally:
        set_api_limit(stack, "plan")
        with stack.direct.connect(autocommit=True) as conn:
            for host in tokens:
                schema = host.split(".")[0]
                conn.execute(f'DELETE FROM "{schema}".partners_customer WHERE id = %s', [marker_id])
    print(f"\n{REQUESTS} requests, {CLIENTS} clients, {len(tokens)} tenants in {seconds:.1f}s: {dict(outcomes)}")
    return outcomes


def test_no_answer_from_another_tenant_through_pgbouncer(stack, http):
    outcomes = _mixed_load(stack, http, stack.config.http_port)
    assert outcomes == Counter({"own tenant": REQUESTS}), dict(outcomes)


@pytest.mark.skipif(not os.environ.get("POOLER_STACK_PLAIN"), reason="baseline: set POOLER_STACK_PLAIN=1")
def test_plain_django_tenants_answers_from_other_tenants(stack, http):
    """The defect this engine fixes, on the same stack: a gunicorn with plain django-tenants' backend
    (projectmeats/settings/plain_tenants.py) behind its own nginx, sharing PgBouncer."""
    bind = f"127.0.0.1:{free_port()}"
    env = {**stack.env, "DJANGO_SETTINGS_MODULE": PLAIN_SETTINGS}
    workers, threads = stack.config.workers, stack.config.threads
    gunicorn = start_gunicorn(env=env, bind=bind, workers=workers, threads=threads, log=stack.root / "plain.log")
    port = free_port()
    nginx = start_nginx(workdir=stack.root / "nginx-plain", listen=f"127.0.0.1:{port}", upstream=bind)
    try:
        outcomes = _mixed_load(stack, http, port)
    finally:
        nginx.stop()
        gunicorn.stop()
    wrong = REQUESTS - outcomes["own tenant"]
    print(f"plain django-tenants: {wrong} of {REQUESTS} answers wrong ({wrong / REQUESTS:.1%})")
    assert outcomes["other tenant"] > 0
