"""deploy/migrate.sh on an empty database, then again; the CLI's exit codes; secrets never printed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parent.parent


def _run(command: list[str], url: str, **extra_env) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(
        DATABASE_URL=url, DJANGO_SETTINGS_MODULE="projectmeats.settings.test", PYTHON=sys.executable, **extra_env
    )
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def _manage(*args: str, url: str) -> subprocess.CompletedProcess:
    return _run([sys.executable, "manage.py", *args], url)


def test_migrate_script_builds_an_empty_database_then_changes_nothing(empty_database, tmp_path):
    url, name = empty_database

    first = _run(["bash", "deploy/migrate.sh"], url, MIGRATE_REPORT_DIR=str(tmp_path / "first"))
    assert first.returncode == 0, first.stdout + first.stderr
    assert f"==> database {name} on " in first.stdout
    assert "shared 1/1 public: applied" in first.stdout
    assert "Created public tenant" in first.stdout
    assert first.stdout.rstrip().endswith("==> migrations complete")

    for schema in ("acme", "globex"):
        created = _manage(
            "create_tenant", "--schema", schema, "--name", schema.title(), "--domain", f"{schema}.localhost",
            "--owner-email", f"owner@{schema}.test", url=url,
        )  # fmt: skip
        assert created.returncode == 0, created.stderr

    second = _run(["bash", "deploy/migrate.sh"], url, MIGRATE_PARALLEL="2", MIGRATE_REPORT_DIR=str(tmp_path / "second"))
    assert second.returncode == 0, second.stdout + second.stderr
    assert "shared: 1 public schema, 0 behind, 1 current" in second.stdout
    assert "tenant: 2 tenant schemas, 0 behind, 2 current" in second.stdout
    assert "is up to date" in second.stdout
    assert " applied" not in second.stdout
    report = json.loads((tmp_path / "second" / "tenant.json").read_text())
    assert report["runs"][0]["summary"]["skipped"] == 2

    for result in (first, second):
        assert PASSWORD not in result.stdout + result.stderr
        assert url not in result.stdout + result.stderr


def test_plan_exit_codes_and_one_line_errors_from_the_command_line(empty_database):
    url, name = empty_database
    never_migrated = _manage("migrate_schemas", "--plan", url=url)
    assert never_migrated.returncode == 1, never_migrated.stderr  # nothing migrated yet
    assert "shared public: " in never_migrated.stdout and "tenant: 0 tenant schemas" in never_migrated.stdout
    tenants_first = _manage("migrate_schemas", "--tenant", "--noinput", url=url)
    assert tenants_first.returncode == 1
    assert tenants_first.stderr.startswith("CommandError: Database error: relation")  # one line, no traceback
    assert "Traceback" not in tenants_first.stderr
    assert _run(["bash", "deploy/migrate.sh"], url).returncode == 0
    assert _manage("migrate_schemas", "--plan", url=url).returncode == 0


def test_a_failing_step_stops_the_script_with_its_error(empty_database):
    url, name = empty_database
    with psycopg.connect(**{**connection.get_connection_params(), "dbname": name}, autocommit=True) as conn:
        conn.execute("CREATE TABLE public.accounts_user (conflict int)")
    result = _run(["bash", "deploy/migrate.sh"], url)
    assert result.returncode != 0
    assert "CommandError: 1 of 1 shared schema(s) failed" in result.stderr
    assert 'relation "accounts_user" already exists' in result.stderr
    assert "==> create_super_tenant" not in result.stdout


@pytest.mark.parametrize("bad_url", ["not-a-url", "mysql://u:secret@db/x", "postgres://u:secret@db:5432/"])
def test_malformed_database_url_stops_the_script_without_echoing_it(bad_url):
    result = _run(["bash", "deploy/migrate.sh"], bad_url)
    assert result.returncode == 2
    assert "DATABASE_URL" in result.stderr
    assert "secret" not in result.stdout + result.stderr
    assert "==> migrate_schemas" not in result.stdout


def test_pre_then_post_stage_with_the_plan_in_between_as_the_pipeline_runs_them(empty_database, tmp_path):
    url, name = empty_database
    reports = tmp_path / "reports"

    pre = _run(["bash", "deploy/migrate.sh"], url, MIGRATE_STAGE="pre", MIGRATE_REPORT_DIR=str(reports))
    assert pre.returncode == 0, pre.stdout + pre.stderr
    assert "==> migrate_schemas --shared --stage pre" in pre.stdout
    shared = json.loads((reports / "shared-pre.json").read_text())
    # On a new database the one contract step in the graph (a column django-axes drops) waits.
    deferred = shared["runs"][0]["schemas"][0]["deferred"]
    assert "axes.0005_remove_accessattempt_trusted" in deferred
    assert (reports / "tenant-pre.json").exists()

    plan = _manage("migrate_schemas", "--plan", "--report", str(tmp_path / "plan.json"), url=url)
    assert plan.returncode == 1  # the post stage is pending
    summary = subprocess.run(
        [sys.executable, "deploy/plan_summary.py", str(tmp_path / "plan.json")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "| shared | 1: public | `axes.0005_remove_accessattempt_trusted` (post-deploy)" in summary
    assert _manage("migrate_schemas", "--plan", "--stage", "pre", url=url).returncode == 0

    post = _run(["bash", "deploy/migrate.sh"], url, MIGRATE_STAGE="post", MIGRATE_REPORT_DIR=str(reports))
    assert post.returncode == 0, post.stdout + post.stderr
    assert json.loads((reports / "shared-post.json").read_text())["runs"][0]["schemas"][0]["migrations"] == deferred
    assert _manage("migrate_schemas", "--plan", url=url).returncode == 0


def test_an_unknown_stage_stops_the_script_before_anything_runs(empty_database):
    url, _ = empty_database
    result = _run(["bash", "deploy/migrate.sh"], url, MIGRATE_STAGE="contract")
    assert result.returncode == 2
    assert "MIGRATE_STAGE must be pre, post or all (got 'contract')" in result.stderr
    assert "==> migrate_schemas" not in result.stdout


def test_plan_summary_of_a_missing_report_is_one_line_and_exit_1(tmp_path):
    result = subprocess.run(
        [sys.executable, "deploy/plan_summary.py", str(tmp_path / "none.json")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("plan_summary: cannot read") and result.stderr.count("\n") == 1
