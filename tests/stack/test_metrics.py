"""Through nginx and gunicorn's several workers: /metrics adds every worker's counts up, refuses the
public, and every request leaves one JSON log line with the id nginx gave it."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor

from .conftest import sign_in

ROUTE = 'route="/suppliers/"'


def _token(stack) -> str:
    return stack.env["METRICS_TOKEN"]


def _suppliers_200(text: str) -> float:
    for line in text.splitlines():
        if line.startswith("projectmeats_http_requests_total{") and ROUTE in line and 'status="200"' in line:
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_are_refused_without_the_token_even_from_loopback(http):
    for source in ("127.0.0.1", "127.0.0.61"):
        assert http("GET", "/metrics", host="localhost", source=source).status == 403
    wrong = http("GET", "/metrics", host="localhost", headers={"Authorization": "Bearer nope"})
    assert wrong.status == 403


def test_counts_are_added_up_across_gunicorn_workers(stack, http):
    auth = {"Authorization": f"Bearer {_token(stack)}"}
    cookies = sign_in(http, email="staff@acme.example", source="127.0.0.62")
    before = _suppliers_200(http("GET", "/metrics", host="localhost", headers=auth).text)
    sent = 32

    def one(n: int) -> int:
        return http("GET", f"/suppliers/?probe=metrics-{n}", source="127.0.0.62", cookies=cookies).status

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(one, range(sent))) == {200}
    workers = set(re.findall(r"probe=metrics-\d+ .* <(\d+)>$", stack.services["gunicorn"].log.read_text(), re.M))
    assert len(workers) > 1, "every request went to one worker: the test would prove nothing"
    # Each scrape lands on whichever worker is free; every one must report all workers' counts.
    seen = {_suppliers_200(http("GET", "/metrics", host="localhost", headers=auth).text) - before for _ in range(6)}
    assert seen == {sent}, seen


def test_each_request_is_one_json_line_with_nginx_request_id_tenant_and_user(stack, http):
    cookies = sign_in(http, email="viewer@acme.example", source="127.0.0.63")
    reply = http("GET", "/suppliers/", source="127.0.0.63", cookies=cookies)
    request_id = reply.headers["x-request-id"]
    lines = [
        json.loads(line)
        for line in stack.root.joinpath("gunicorn.log").read_text().splitlines()
        if line.startswith("{") and request_id in line
    ]
    (line,) = [entry for entry in lines if entry.get("event") == "request"]
    assert (line["tenant"], line["route"], line["status"]) == ("acme", "/suppliers/", 200)
    assert isinstance(line["user_id"], int) and line["duration_ms"] > 0
    assert "viewer@acme.example" not in json.dumps(lines)
