"""A failing schema is named, does not stop the others, and a re-run continues where it left off."""

import threading

import pytest
from django.core.management import CommandError, call_command
from django_tenants.signals import schema_pre_migration

from .fleet import break_schema, by_schema, put_behind, read_report, recorded, repair_schema, table_exists


def _migrate(**options):
    call_command("migrate_schemas", tenant=True, interactive=False, verbosity=0, lock_timeout=5, **options)


def test_failure_is_named_isolated_reported_and_resumed(live, tmp_path):
    pending = put_behind("fleet_a")
    put_behind("fleet_b")
    put_behind("fleet_c")
    break_schema("fleet_b")

    with pytest.raises(CommandError) as failure:
        _migrate(report=tmp_path / "first.json")
    message = str(failure.value)
    assert "1 of 6 tenant schema(s) failed" in message
    assert 'fleet_b: ProgrammingError: relation "audit_auditevent" already exists' in message
    assert "\n" not in message

    first = read_report(tmp_path / "first.json")
    assert first["status"] == "failed"
    assert first["failed"] == ["fleet_b"]
    schemas = by_schema(first)
    assert schemas["fleet_b"]["status"] == "failed"
    assert "already exists" in schemas["fleet_b"]["error"]
    assert schemas["fleet_a"]["status"] == schemas["fleet_c"]["status"] == "applied"
    assert schemas["fleet_a"]["migrations"] == pending
    assert table_exists("fleet_a", "audit_auditevent") and table_exists("fleet_c", "audit_auditevent")
    applied_before = {schema: recorded(schema) for schema in ("fleet_a", "fleet_c")}

    repair_schema("fleet_b")
    _migrate(report=tmp_path / "second.json")

    second = by_schema(read_report(tmp_path / "second.json"))
    assert second["fleet_b"]["status"] == "applied"
    assert second["fleet_b"]["migrations"] == pending
    assert {second[schema]["status"] for schema in ("fleet_a", "fleet_c", "fleet_d", "alpha", "beta")} == {"skipped"}
    # Nothing already applied was applied again: the other schemas' records are untouched.
    assert {schema: recorded(schema) for schema in ("fleet_a", "fleet_c")} == applied_before
    assert table_exists("fleet_b", "audit_auditevent")


def test_fail_fast_starts_no_further_schema(live, tmp_path):
    put_behind("fleet_a")
    put_behind("fleet_b")
    break_schema("fleet_a")

    with pytest.raises(CommandError, match="1 not started. fleet_a: ProgrammingError"):
        _migrate(fail_fast=True, report=tmp_path / "report.json")

    schemas = by_schema(read_report(tmp_path / "report.json"))
    assert schemas["fleet_a"]["status"] == "failed"
    assert schemas["fleet_b"]["status"] == "not_run"
    assert not table_exists("fleet_b", "audit_auditevent")

    repair_schema("fleet_a")
    _migrate()
    assert table_exists("fleet_a", "audit_auditevent") and table_exists("fleet_b", "audit_auditevent")


def test_parallel_workers_use_their_own_connections_and_isolate_failures(live, tmp_path):
    for schema in live:
        put_behind(schema)
    break_schema("fleet_c")
    workers = set()

    def note_worker(sender, schema_name, **kwargs):
        workers.add(threading.current_thread().name)

    schema_pre_migration.connect(note_worker, dispatch_uid="test-parallel-workers")
    try:
        with pytest.raises(CommandError, match="fleet_c: ProgrammingError"):
            _migrate(parallel=3, report=tmp_path / "report.json")
    finally:
        schema_pre_migration.disconnect(dispatch_uid="test-parallel-workers")

    assert workers and threading.main_thread().name not in workers
    schemas = by_schema(read_report(tmp_path / "report.json"))
    assert {schema: schemas[schema]["status"] for schema in live} == {
        "fleet_a": "applied",
        "fleet_b": "applied",
        "fleet_c": "failed",
        "fleet_d": "applied",
    }
    repair_schema("fleet_c")
    _migrate(parallel=3)
    assert all(table_exists(schema, "audit_auditevent") for schema in live)


def test_parallel_must_be_positive(live):
    with pytest.raises(CommandError, match="--parallel must be 1 or more"):
        _migrate(parallel=0)
