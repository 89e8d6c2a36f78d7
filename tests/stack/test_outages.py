"""The stack survives its backing services failing: PostgreSQL killed, PostgreSQL down, Redis away.

kill -9 of PostgreSQL during a stream of API writes: every write that got 201 is there afterwards
(0 acknowledged writes lost), PostgreSQL comes back by itself (the stack's supervisor, as an init
system would) and the app recovers through PgBouncer without anyone touching it. While the database is
unreachable, answers are 503 (JSON on /api/, a page elsewhere), never a 500 or a traceback.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from .conftest import api_token, sign_in


def _write_stream(http, token: str, prefix: str, stop: threading.Event, results: list) -> None:
    n = 0
    while not stop.is_set():
        n += 1
        code = f"{prefix}{n:04d}"
        reply = http(
            "POST",
            "/api/v1/suppliers/",
            source="127.0.0.40",
            headers={"Authorization": f"Bearer {token}"},
            json={"code": code, "name": f"Outage {code}", "payment_terms": 30},
        )
        results.append((code, reply))


def _acknowledged(results) -> set[str]:
    return {code for code, reply in results if reply.status == 201}


def _codes_in_database(stack, prefix: str) -> set[str]:
    with stack.direct.connect() as conn:
        rows = conn.execute("SELECT code FROM acme.partners_supplier WHERE code LIKE %s", [f"{prefix}%"]).fetchall()
    return {code for (code,) in rows}


def _assert_unavailable_not_broken(reply, stack=None) -> None:
    # On a 500 the server's own log says why: show its last traceback with the failure.
    if reply.status == 500:
        # Plain text, so pytest shows all of it (an assertion's repr is cut short in CI's log).
        log = (stack.root / "gunicorn.log").read_text(errors="replace") if stack is not None else ""
        pytest.fail(f"500 {reply.text[:300]}\n--- gunicorn.log (last 12,000 characters) ---\n{log[-12000:]}")
    assert reply.status in (201, 200, 503), (reply.status, reply.text[:500])
    assert "Traceback" not in reply.text
    if reply.status == 503:
        assert reply.is_json and reply.json()["code"] == "unavailable"


def _wait_for(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_kill_9_postgres_during_writes_loses_no_acknowledged_write(stack, http):
    token = api_token(http, email="staff@acme.example", source="127.0.0.40")
    postgres = stack.services["postgres"]
    results: list = []
    stop = threading.Event()
    writer = threading.Thread(target=_write_stream, args=(http, token, "KILL", stop, results))
    writer.start()
    try:
        _wait_for(lambda: len(_acknowledged(results)) >= 20)
        killed_pid, restarts = postgres.pid, postgres.restarts
        postgres.kill()  # SIGKILL to the postmaster, as the OOM killer would
        _wait_for(lambda: postgres.restarts > restarts and postgres.running)
        assert postgres.pid != killed_pid
        before = len(_acknowledged(results))
        _wait_for(lambda: len(_acknowledged(results)) >= before + 20)  # writes flow again by themselves
    finally:
        stop.set()
        writer.join(60)
    for _code, reply in results:
        _assert_unavailable_not_broken(reply, stack)
    acknowledged = _acknowledged(results)
    assert acknowledged <= _codes_in_database(stack, "KILL")


def test_database_down_answers_503_then_recovers_without_restarting_the_app(stack, http):
    token = api_token(http, email="staff@acme.example", source="127.0.0.41")
    session = sign_in(http, email="staff@acme.example", source="127.0.0.41")
    assert http("GET", "/suppliers/", source="127.0.0.41", cookies=session).status == 200
    gunicorn_pid, pgbouncer_pid = stack.services["gunicorn"].pid, stack.services["pgbouncer"].pid
    postgres = stack.services["postgres"]
    postgres.stop()  # down for longer than PgBouncer lets a client wait (query_wait_timeout)
    try:
        with ThreadPoolExecutor(2) as pool:
            api = pool.submit(
                http, "GET", "/api/v1/suppliers/", source="127.0.0.41", headers={"Authorization": f"Bearer {token}"}
            )
            page = pool.submit(http, "GET", "/suppliers/", source="127.0.0.41", cookies=session)
            api, page = api.result(), page.result()
    finally:
        postgres.start()
    assert api.status == 503 and api.json()["code"] == "unavailable" and api.headers["retry-after"]
    assert page.status == 503 and "right back" in page.text and "Traceback" not in page.text

    # Back by itself: PgBouncer reconnects within server_login_retry; meanwhile answers stay 503 JSON.
    def api_answers() -> bool:
        reply = http("GET", "/api/v1/suppliers/", source="127.0.0.41", headers={"Authorization": f"Bearer {token}"})
        _assert_unavailable_not_broken(reply)
        return reply.status == 200

    _wait_for(api_answers, timeout=30)
    assert http("GET", "/suppliers/", source="127.0.0.41", cookies=session).status == 200
    assert (stack.services["gunicorn"].pid, stack.services["pgbouncer"].pid) == (gunicorn_pid, pgbouncer_pid)


def test_redis_stopped_and_restarted_serving_continues(stack, http):
    token = api_token(http, email="viewer@acme.example", source="127.0.0.42")
    auth = {"Authorization": f"Bearer {token}"}
    redis = stack.services["redis"]
    redis.stop()
    try:
        down = [http("GET", "/api/v1/suppliers/", source="127.0.0.42", headers=auth) for _ in range(10)]
        down += [http("GET", "/login/", host="globex.localhost", source="127.0.0.42") for _ in range(5)]
        ready = http("GET", "/readyz", source="127.0.0.42")
    finally:
        redis.start()
    assert [reply.status for reply in down] == [200] * 15
    assert ready.status == 503 and ready.json()["checks"]["cache"]["ok"] is False  # reported, not hidden
    again = [http("GET", "/api/v1/suppliers/", source="127.0.0.42", headers=auth).status for _ in range(5)]
    assert again == [200] * 5
    assert http("GET", "/readyz", source="127.0.0.42").json()["checks"]["cache"]["ok"] is True
