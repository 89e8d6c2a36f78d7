"""`verify_audit_log` recomputes each schema's hash chain and names the first broken link."""

import datetime
import decimal
import uuid
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_context

from apps.audit.chain import GENESIS_HASH, RECORD_FIELDS, row_hash, verify_chain
from apps.audit.models import AuditEvent
from apps.audit.services import audit_record
from backend.request_context import RequestContext, _current


def _verify(*args: str) -> str:
    out = StringIO()
    call_command("verify_audit_log", *args, stdout=out)
    return out.getvalue()


def _without_trigger(sql: str, params=None) -> None:
    """Tamper as a database superuser would: switch the append-only trigger off for one statement."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_no_update_delete")
        cursor.execute(sql, params)
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_auditevent_no_update_delete")


def _record_several(n: int) -> list[AuditEvent]:
    return [audit_record(action="order.create", object_type="orders.order", object_id=i) for i in range(n)]


def test_chain_is_ok_after_several_records_in_every_schema(world, db, tenant_a):
    # The public log is append-only: tests that commit (backup restores on their own connection) leave
    # events there that no clean-up may delete, so count from what is there.
    with schema_context("public"):
        before = AuditEvent.objects.count()
    with schema_context("alpha"):
        events = _record_several(4)
    with schema_context("public"):
        _record_several(2)
    assert events[0].prev_hash == GENESIS_HASH
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    output = _verify()
    assert "alpha: OK (4 events)" in output
    assert f"public: OK ({before + 2} events)" in output
    assert "beta: OK (0 events)" in output


def test_altered_row_is_found_and_command_exits_non_zero(tenant_a):
    with schema_context("alpha"):
        events = _record_several(3)
        _without_trigger(
            "UPDATE audit_auditevent SET actor_email = 'forger@example.test' WHERE id = %s", [events[1].pk]
        )
    with pytest.raises(CommandError) as excinfo:
        _verify()
    message = str(excinfo.value)
    assert f"schema alpha, event id {events[1].pk}" in message
    assert "content was altered" in message
    assert "\n" not in message


def test_deleted_row_breaks_the_link_of_the_next_row(tenant_a):
    with schema_context("alpha"):
        events = _record_several(3)
        _without_trigger("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    out = StringIO()
    with pytest.raises(CommandError, match=f"event id {events[2].pk}: prev_hash"):
        call_command("verify_audit_log", "--schema", "alpha", stdout=out)
    assert f"alpha: BROKEN at event id {events[2].pk}" in out.getvalue()


def test_row_altered_together_with_a_recomputed_hash_breaks_the_next_link(tenant_a):
    with schema_context("alpha"):
        events = _record_several(3)
        forged = AuditEvent.objects.values(*RECORD_FIELDS).get(pk=events[0].pk)
        forged["action"] = "forged"
        forged_hash = row_hash(prev_hash=forged["prev_hash"], row=forged)
        _without_trigger(
            "UPDATE audit_auditevent SET action = 'forged', hash = %s WHERE id = %s", [forged_hash, events[0].pk]
        )
        report = verify_chain()
    # Row 0 now verifies on its own, but row 1 still points at the old hash.
    assert report.first_break.event_id == events[1].pk
    assert "prev_hash" in report.first_break.problem


def test_schema_option_limits_verification_to_that_schema(tenant_a):
    with schema_context("alpha"):
        events = _record_several(2)
        _without_trigger("UPDATE audit_auditevent SET object_id = '999' WHERE id = %s", [events[0].pk])
    assert _verify("--schema", "beta") == "beta: OK (0 events)\n"
    with pytest.raises(CommandError, match="schema alpha"):
        _verify("--schema", "alpha")


def test_unknown_schema_is_a_one_line_error(world, db):
    with pytest.raises(CommandError, match="Unknown schema 'nope'"):
        _verify("--schema", "nope")


def test_values_survive_the_database_round_trip_unchanged_for_the_hash(tenant_a):
    # jsonb normalises numbers and PostgreSQL's inet normalises addresses; the chain must still verify.
    token = _current.set(RequestContext(request_id="req-1", ip_address="::ffff:10.0.0.1"))
    try:
        with schema_context("alpha"):
            audit_record(
                action="price.update",
                object_type="products.product",
                object_id=uuid.UUID(int=7),
                changes={
                    "price": [decimal.Decimal("12.50"), decimal.Decimal("13.00")],
                    "weight": [1e16, 2.5],
                    "ratio": [1.0, 0.1],
                    "when": [datetime.date(2026, 1, 2), None],
                    "name": ["Rindfleisch «A»", "Ωmega\n"],
                    2: [True, False],
                },
            )
            assert verify_chain().ok
            stored = AuditEvent.objects.get()
    finally:
        _current.reset(token)
    assert stored.changes["price"] == ["12.50", "13.00"]
    assert stored.ip_address is not None
    assert stored.request_id == "req-1"


def test_verification_reads_the_log_in_bounded_chunks(tenant_a, monkeypatch):
    # Behind the pooler server-side cursors are off, so `.iterator()` fetched the whole log in one statement.
    from django.test.utils import CaptureQueriesContext

    from apps.audit import chain

    monkeypatch.setattr(chain, "VERIFY_CHUNK", 2, raising=False)
    with schema_context("alpha"):
        _record_several(5)
        with CaptureQueriesContext(connection) as queries:
            report = verify_chain()
    assert report.ok and report.count == 5
    chunked = [q["sql"] for q in queries if "audit_auditevent" in q["sql"] and "LIMIT 2" in q["sql"]]
    assert len(chunked) >= 3, [q["sql"] for q in queries]
