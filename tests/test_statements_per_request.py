"""Statements a request sends to PostgreSQL: at most its queries + 1, each carrying its search_path.

Counted on the wire: every message psycopg sends (a query, BEGIN/COMMIT/ROLLBACK, a DECLARE) is one
statement the server (or PgBouncer) receives. django-tenants sends a `SET search_path` of its own before
the queries of each cursor — 2 × queries, and behind a transaction pooler the SET and the query may land
on different server connections (docs/adr/0001). Here a reading request sends `SET LOCAL search_path …;
<query>` per query (each its own transaction); a writing one runs in one transaction whose first message
begins it: BEGIN + SET LOCAL + query in one message, SET LOCAL + query after, then COMMIT.

The request runs on a thread of its own so that its connection is outside the test's transaction, as in
production (the request middleware opens the transaction itself).
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager

import psycopg
import pytest
from django.db import connection, connections
from django.test import Client as DjangoClient
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.accounts.sessions import bind_session


class WireLog:
    """Every message psycopg sends from the thread that opened the log."""

    def __init__(self) -> None:
        self.thread = threading.get_ident()
        self.messages: list[str] = []

    def record(self, text) -> None:
        if threading.get_ident() == self.thread:
            self.messages.append(text.decode() if isinstance(text, bytes) else str(text))


@contextmanager
def wire_log():
    from psycopg import _connection_base, _cursor_base, client_cursor

    log = WireLog()
    patched = []

    def wrap(owner, name, pick):
        original = getattr(owner, name)

        def spy(self, *args, **kwargs):
            log.record(pick(*args, **kwargs))
            return original(self, *args, **kwargs)

        setattr(owner, name, spy)
        patched.append((owner, name, original))

    wrap(client_cursor.ClientCursorMixin, "_execute_send", lambda query, **kw: query.query)
    wrap(_cursor_base.BaseCursor, "_execute_send", lambda query, **kw: query.query)
    wrap(_connection_base.BaseConnection, "_exec_command", lambda command, **kw: command)
    try:
        yield log
    finally:
        for owner, name, original in reversed(patched):
            setattr(owner, name, original)


def _request_on_own_connection(user, host: str, path: str, schema: str, data: dict | None = None):
    """GET (or POST `data` to) `path` signed in, from a thread with its own connection;
    (status, messages, queries)."""
    outcome = {}

    def run() -> None:
        client = DjangoClient(HTTP_HOST=host)
        try:
            client.force_login(user)
            session = client.session
            bind_session(session, schema_name=schema)
            session.save()
            client.get(path)  # warm: the first request fills caches (routing, content types)
            with wire_log() as log, CaptureQueriesContext(connection) as queries:
                if data is None:
                    response = client.get(path)
                else:
                    response = client.post(path, data, content_type="application/json")
            outcome.update(status=response.status_code, messages=log.messages, queries=len(queries))
        except BaseException as exc:  # shown by the assertion below
            outcome["error"] = exc
        finally:
            client.logout()
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    assert "error" not in outcome, outcome.get("error")
    return outcome["status"], outcome["messages"], outcome["queries"]


PATH = 'SET LOCAL search_path = "alpha", "public"; '


@pytest.mark.parametrize("path", ["/api/v1/customers/", "/customers/"])
def test_reading_request_sends_one_statement_per_query(tenant_a, path):
    status, messages, queries = _request_on_own_connection(
        tenant_a.viewer, tenant_a.domain, path, tenant_a.tenant.schema_name
    )
    assert status == 200
    assert 0 < len(messages) <= queries + 1, messages
    # Each query carries the path in the same message; no session-level SET, no separate round trip.
    assert all(message.startswith(PATH) for message in messages), messages


def test_writing_request_is_one_transaction_of_its_queries_plus_commit(tenant_a):
    # Refused by validation (nothing is written, so nothing outlives the test), but the
    # POST still runs in its transaction: authentication, membership, the uniqueness check.
    body = {"code": "STMT1", "name": "", "credit_limit": "-1"}
    status, messages, queries = _request_on_own_connection(
        tenant_a.owner, tenant_a.domain, "/api/v1/customers/", tenant_a.tenant.schema_name, data=body
    )
    assert status == 400
    assert len(messages) <= queries + 1, messages
    assert messages[0].startswith("BEGIN; " + PATH)
    assert all(message.startswith(PATH) for message in messages[1:-1]), messages
    assert messages[-1] == "COMMIT"


def test_statement_outside_a_transaction_carries_its_path(tenant_a):
    """Autocommit (commands, jobs, a streamed body after the request's transaction): one message each."""

    def run() -> None:
        try:
            connection.ensure_connection()  # connecting may send SET TimeZone (PgBouncer tracks it)
            with schema_context("alpha"), wire_log() as log, connection.cursor() as cursor:
                cursor.execute("SELECT current_setting('search_path'), %s", ["100%"])
                result["row"] = cursor.fetchone()
                cursor.execute("SELECT 1 FROM partners_customer LIMIT 1")
            result["messages"] = log.messages
        finally:
            connections.close_all()

    result = {}
    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    assert result["row"] == ("alpha, public", "100%")
    assert len(result["messages"]) == 2
    assert all(m.startswith('SET LOCAL search_path = "alpha", "public"; ') for m in result["messages"])


def test_health_check_sends_nothing(tenant_a):
    """CONN_HEALTH_CHECKS must not cost a round trip per request (Django's psycopg check sends SELECT 1)."""
    connection.ensure_connection()
    with wire_log() as log:
        assert connection.is_usable()
    assert log.messages == []

    # The server (or PgBouncer) went away: the socket has an EOF to read.
    wrapper = connection.copy()
    wrapper.connect()
    pid = wrapper.connection.info.backend_pid
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 5
    while wrapper.is_usable() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not wrapper.is_usable()
    wrapper.close()
