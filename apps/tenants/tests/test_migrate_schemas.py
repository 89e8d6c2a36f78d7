"""migrate_schemas skips schemas already current, migrates the ones behind, plans and reports."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models.signals import pre_migrate
from django.test.utils import CaptureQueriesContext

from .fleet import audit_migrations, by_schema, put_behind, read_report, recorded, table_exists


@pytest.fixture
def migrate_runs():
    """How many times Django's migrate ran (it sends pre_migrate once per schema it visits)."""
    runs = []

    def count(sender, **kwargs):
        if sender.name == "apps.audit":  # once per run, whichever schema it runs in
            runs.append(kwargs.get("using"))

    pre_migrate.connect(count, dispatch_uid="test-migrate-runs")
    yield runs
    pre_migrate.disconnect(dispatch_uid="test-migrate-runs")


def _migrate(**options):
    call_command("migrate_schemas", interactive=False, verbosity=0, lock_timeout=5, **options)


def test_noop_run_skips_every_current_schema_without_running_migrate(live, migrate_runs, tmp_path):
    with CaptureQueriesContext(connection) as queries:
        _migrate(tenant=True, report=tmp_path / "report.json")
    assert migrate_runs == []
    # Listing tenants, finding which have django_migrations, one UNION ALL over them, and the same check
    # for the tenant template: no per-schema work.
    assert len(queries.captured_queries) <= 10, [query["sql"][:80] for query in queries.captured_queries]
    schemas = by_schema(read_report(tmp_path / "report.json"))
    assert set(live) | {"alpha", "beta"} <= set(schemas)
    assert {entry["status"] for entry in schemas.values()} == {"skipped"}


def test_noop_query_count_does_not_grow_with_tenants(live, world, django_db_blocker):
    with CaptureQueriesContext(connection) as few:
        _migrate(tenant=True, schema_name="alpha")
    with CaptureQueriesContext(connection) as many:
        _migrate(tenant=True)
    # + listing the tenants, + the tenant-template check (whole-fleet runs keep the template current).
    assert len(many.captured_queries) <= len(few.captured_queries) + 6


def test_schema_behind_is_migrated_and_the_others_are_skipped(live, migrate_runs, tmp_path):
    pending = put_behind("fleet_b")
    assert not table_exists("fleet_b", "audit_auditevent")
    before_a = recorded("fleet_a")
    migrate_runs.clear()

    _migrate(tenant=True, report=tmp_path / "report.json")

    assert table_exists("fleet_b", "audit_auditevent")
    assert set(pending) <= set(recorded("fleet_b"))
    assert recorded("fleet_a") == before_a
    assert len(migrate_runs) == 1
    schemas = by_schema(read_report(tmp_path / "report.json"))
    assert schemas["fleet_b"]["status"] == "applied"
    assert schemas["fleet_b"]["migrations"] == pending
    assert schemas["fleet_b"]["error"] is None
    assert schemas["fleet_b"]["duration"] > 0
    assert {schemas[schema]["status"] for schema in ("fleet_a", "fleet_c", "fleet_d", "alpha", "beta")} == {"skipped"}


def test_second_run_changes_nothing(live, migrate_runs):
    put_behind("fleet_c")
    _migrate(tenant=True)
    after_first = recorded("fleet_c")
    migrate_runs.clear()
    _migrate(tenant=True)
    assert migrate_runs == []
    assert recorded("fleet_c") == after_first


def test_schema_option_migrates_only_that_schema(live):
    put_behind("fleet_a")
    put_behind("fleet_d")
    _migrate(tenant=True, schema_name="fleet_d")
    assert table_exists("fleet_d", "audit_auditevent")
    assert not table_exists("fleet_a", "audit_auditevent")


def test_unknown_schema_is_one_line_error(live):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="Schema 'nope' does not exist"):
        _migrate(tenant=True, schema_name="nope")


def test_plan_exits_0_when_nothing_is_pending(live, capsys):
    call_command("migrate_schemas", plan=True, interactive=False)
    out = capsys.readouterr().out
    assert "0 behind" in out


def test_plan_lists_pending_migrations_per_schema_applies_nothing_and_exits_1(live, capsys, tmp_path):
    pending = put_behind("fleet_c")
    with pytest.raises(SystemExit) as exit_info:
        call_command("migrate_schemas", tenant=True, plan=True, interactive=False, report=tmp_path / "plan.json")
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert f"tenant fleet_c: {len(pending)} pending: {', '.join(pending)}" in out
    assert "fleet_a" not in out
    assert not table_exists("fleet_c", "audit_auditevent")
    report = read_report(tmp_path / "plan.json")
    assert report["status"] == "pending"
    assert by_schema(report)["fleet_c"] == {
        "schema": "fleet_c",
        "status": "pending",
        "migrations": pending,
        "duration": 0.0,
        "error": None,
        "method": None,
        "deferred": [],
        "attempts": 0,
    }


def test_shared_run_checks_only_public(live, migrate_runs, capsys):
    call_command("migrate_schemas", shared=True, interactive=False, lock_timeout=5)
    out = capsys.readouterr().out
    assert "shared: 1 public schema, 0 behind, 1 current" in out
    assert "tenant" not in out
    assert migrate_runs == []


def test_progress_lines_name_each_schema_migrated(live, capsys):
    put_behind("fleet_d")
    call_command("migrate_schemas", tenant=True, interactive=False, lock_timeout=5)
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("migrate_schemas: tenant: ") and "1 behind" in line for line in lines)
    assert any(line.startswith("migrate_schemas: tenant 1/1 fleet_d: applied ") for line in lines)
    assert lines[-1].startswith("migrate_schemas: tenant: done in ")


def test_tenant_provisioning_still_migrates_new_schemas(world, db):
    from apps.tenants.services import tenant_create

    tenant_create(schema_name="fresh", name="Fresh", domain="fresh.localhost", owner_email="o@fresh.test")
    connection.set_schema_to_public()
    assert table_exists("fresh", "audit_auditevent")
    assert set(audit_migrations()) <= set(recorded("fresh"))
