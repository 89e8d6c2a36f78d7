"""A tenant status change reaches every gunicorn worker at once (shared Redis routing cache).

With a per-process cache, a suspended tenant kept answering 200 from the workers that had cached it
(40 of 40 requests for 45 s with 4 workers). Here every worker first serves (and caches) acme, then
`suspend_tenant` runs as an operator would run it (`set -a; . .stack/env; manage.py …`), and every
one of the following requests, sent at once from several threads, must answer 423.
"""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor

REQUESTS = 48
THREADS = 8


def _burst(http, tag: str) -> list[int]:
    def one(n: int) -> int:
        return http("GET", f"/login/?probe={tag}-{n}", source="127.0.0.20").status

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(one, range(REQUESTS)))


def _workers_that_answered(stack, tag: str) -> set[str]:
    log = stack.services["gunicorn"].log.read_text()
    return set(re.findall(rf"probe={tag}-\d+ .* <(\d+)>$", log, re.MULTILINE))


def test_suspend_tenant_is_refused_by_every_worker_right_away(stack, http):
    # Every worker must have served (and cached) acme first. Which worker accepts a connection is up to
    # the kernel: on a loaded machine one burst can miss a worker, so burst until each has answered.
    workers: set[str] = set()
    for attempt in range(20):
        assert set(_burst(http, f"before{attempt}")) == {200}
        workers |= _workers_that_answered(stack, f"before{attempt}")
        if len(workers) == stack.config.workers:
            break
    # nginx keeps upstream connections alive, so after earlier tests a worker may get no new requests at all:
    # what matters is that several workers cached acme as active, and each of them refuses it afterwards.
    assert len(workers) >= 2, workers

    stack.manage("suspend_tenant", "--schema", "acme", "--reason", "stack test")
    try:
        started = time.monotonic()
        after = _burst(http, "after")
        elapsed = time.monotonic() - started
        assert after == [423] * REQUESTS, f"{after.count(423)}/{REQUESTS} refused within {elapsed:.2f}s"
        refused_by = _workers_that_answered(stack, "after")
        for attempt in range(20):  # more bursts until every worker has been seen refusing
            if workers <= refused_by:
                break
            assert set(_burst(http, f"again{attempt}")) == {423}
            refused_by |= _workers_that_answered(stack, f"again{attempt}")
        assert workers <= refused_by
        api = http("GET", "/api/v1/suppliers/", source="127.0.0.20")
        assert (api.status, api.json()["code"]) == (423, "tenant_suspended")
        assert http("GET", "/login/", host="globex.localhost", source="127.0.0.20").status == 200
    finally:
        stack.manage("reactivate_tenant", "--schema", "acme")
    assert set(_burst(http, "reactivated")) == {200}
