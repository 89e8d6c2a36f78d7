"""Concurrent writers, each on its own database connection, never fork a schema's hash chain.

The writers must commit, which the rolled-back test transaction cannot give them (and a
`transactional_db` flush would destroy the session's tenants, and is refused by the append-only
trigger anyway). So every statement here runs on separate connections in their own threads, against a
scratch schema holding a copy of the audit table that is dropped afterwards; the test's own
transaction never touches it.
"""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction

from apps.audit.chain import verify_chain
from apps.audit.models import AuditEvent
from apps.audit.services import audit_record

SCRATCH = "audit_race_scratch"
WRITERS = 6
PER_WRITER = 15


def _on_own_connection(function: Callable[[], Any]) -> Any:
    """Run `function` in a new thread (so on a new, autocommitting connection) and return its result."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = function()
        except BaseException as exc:
            outcome["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=120)
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("result")


def _sql(statement: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement)


@pytest.fixture
def scratch_schema(db):
    _on_own_connection(lambda: _sql(f"CREATE SCHEMA {SCRATCH}"))
    try:
        _on_own_connection(
            lambda: _sql(f"CREATE TABLE {SCRATCH}.audit_auditevent (LIKE public.audit_auditevent INCLUDING ALL)")
        )
        _on_own_connection(  # verify_chain starts from the latest checkpoint (none here)
            lambda: _sql(
                f"CREATE TABLE {SCRATCH}.audit_auditcheckpoint (LIKE public.audit_auditcheckpoint INCLUDING ALL)"
            )
        )
        yield SCRATCH
    finally:
        _on_own_connection(lambda: _sql(f"DROP SCHEMA {SCRATCH} CASCADE"))


def test_concurrent_writers_never_fork_the_chain(scratch_schema):
    barrier = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        try:
            connection.set_schema(scratch_schema, include_public=False)
            barrier.wait(timeout=30)
            for i in range(PER_WRITER):
                # Each append in its own transaction, like one service call per request.
                with transaction.atomic():
                    audit_record(action="race.append", object_id=f"{number}-{i}")
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []

    def verify():
        connection.set_schema(scratch_schema, include_public=False)
        return verify_chain(), list(AuditEvent.objects.values_list("prev_hash", flat=True))

    report, prev_hashes = _on_own_connection(verify)
    assert report.ok, report.first_break
    assert report.count == WRITERS * PER_WRITER
    assert len(set(prev_hashes)) == len(prev_hashes)
