"""Concurrent creations against the real database never share a number and leave no gaps.

The allocations must commit, which the rolled-back test transaction cannot give them (and
`transactional_db` is off limits), so every writer runs in its own thread on its own connection, against a
scratch schema holding a copy of the counter table, created and dropped around the test; the test's own
transaction never touches it. Some writers roll back on purpose: their numbers must be reused.
"""

import threading
import time

import pytest
from django.db import connection, transaction

from apps.audit.tests.test_concurrent_appends import _on_own_connection, _sql
from apps.numbering.models import NumberSequence
from apps.numbering.services import document_number_next

SCRATCH = "numbering_race_scratch"
WRITERS = 8
PER_WRITER = 12


@pytest.fixture
def scratch_schema(tenant_a):
    table = NumberSequence._meta.db_table
    source = tenant_a.tenant.schema_name
    _on_own_connection(lambda: _sql(f"CREATE SCHEMA {SCRATCH}"))
    try:
        _on_own_connection(lambda: _sql(f"CREATE TABLE {SCRATCH}.{table} (LIKE {source}.{table} INCLUDING ALL)"))
        yield SCRATCH
    finally:
        _on_own_connection(lambda: _sql(f"DROP SCHEMA {SCRATCH} CASCADE"))


def test_concurrent_allocations_have_no_duplicates_and_no_gaps(scratch_schema):
    barrier = threading.Barrier(WRITERS)
    committed: list[str] = []
    rolled_back: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    class Abandon(Exception):
        pass

    def writer(number: int) -> None:
        try:
            connection.set_schema(scratch_schema, include_public=False)
            barrier.wait(timeout=30)
            for attempt in range(PER_WRITER):
                abandon = (number + attempt) % 4 == 0
                try:
                    with transaction.atomic():
                        value = document_number_next(kind="PO", year=2026)
                        time.sleep(0.002)  # hold the lock a moment so the writers really queue
                        if abandon:
                            raise Abandon
                except Abandon:
                    with lock:
                        rolled_back.append(value)
                else:
                    with lock:
                        committed.append(value)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert rolled_back, "the test must roll some creations back"
    assert len(committed) + len(rolled_back) == WRITERS * PER_WRITER
    assert len(set(committed)) == len(committed), "duplicate numbers"
    expected = [f"PO-2026-{n:05d}" for n in range(1, len(committed) + 1)]
    assert sorted(committed) == expected, "gaps in the committed numbers"

    def stored_counter():
        connection.set_schema(scratch_schema, include_public=False)
        return list(NumberSequence.objects.values_list("kind", "year", "last_value"))

    assert _on_own_connection(stored_counter) == [("PO", 2026, len(committed))]
