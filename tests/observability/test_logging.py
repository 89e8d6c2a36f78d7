"""Structured logs: every request, job and command line carries who and where, never personal data."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import structlog
from django.db import connection
from django_tenants.utils import schema_context
from procrastinate import testing
from procrastinate.contrib.django import app

from backend.jobs import tenant_task
from backend.logging import parse_levels

ROOT = Path(__file__).resolve().parents[2]
probe_log = structlog.get_logger("tests.probe")


@tenant_task(name="tests.observability_probe")
def logging_probe(*, note: str) -> str:
    probe_log.info("probe ran", note=note)
    return connection.schema_name


def test_request_line_carries_request_id_from_header_tenant_user_route_status(tenant_a, client_for, log_lines):
    client = client_for(tenant_a, tenant_a.staff)
    response = client.get("/suppliers/", HTTP_X_REQUEST_ID="edge-req-123")
    assert response.status_code == 200
    assert response["X-Request-ID"] == "edge-req-123"
    (line,) = log_lines.events("request")
    assert line["request_id"] == "edge-req-123"
    assert line["tenant"] == "alpha"
    assert line["user_id"] == tenant_a.staff.pk
    assert line["method"] == "GET"
    assert line["route"] == "/suppliers/"
    assert line["status"] == 200
    assert line["duration_ms"] >= 0 and line["db_queries"] >= 1
    assert line["level"] == "info" and line["logger"] == "projectmeats.request" and line["timestamp"]


def test_malformed_request_id_is_replaced_and_every_line_of_the_request_shares_it(tenant_a, client_for, log_lines):
    client = client_for(tenant_a, tenant_a.staff)
    response = client.get("/suppliers/", HTTP_X_REQUEST_ID="not ok; <script>")
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    (line,) = log_lines.events("request")
    assert line["request_id"] == response["X-Request-ID"]


def test_route_is_the_pattern_not_the_path_so_tokens_in_paths_are_never_logged(tenant_a, client_for, log_lines):
    client = client_for(tenant_a)
    client.get("/password-reset/confirm/MQ/secret-reset-token-abc/")
    client.get("/invitations/secret-invite-token-xyz/")
    assert "secret-reset-token-abc" not in log_lines.text
    assert "secret-invite-token-xyz" not in log_lines.text
    routes = [line["route"] for line in log_lines.events("request")]
    assert all("<" in route or route == "<unmatched>" for route in routes), routes


def test_failed_sign_in_logs_no_password_or_e_mail(tenant_a, client_for, log_lines):
    client = client_for(tenant_a)
    client.post("/login/", {"email": "staff@alpha.test", "password": "Very-Secret-Pass-42"})
    (line,) = log_lines.events("request")
    assert line["route"] == "/login/" and line["tenant"] == "alpha" and "user_id" not in line
    assert "Very-Secret-Pass-42" not in log_lines.text
    assert "staff@alpha.test" not in log_lines.text


def test_anonymous_request_on_unknown_host_is_logged_without_user(db, world, client_for, log_lines):
    response = client_for("nowhere.localhost").get("/anything/")
    assert response.status_code == 404
    (line,) = log_lines.events("request")
    assert line["status"] == 404 and line["route"] == "<unmatched>" and "user_id" not in line


def test_health_probes_are_not_logged(db, client_for, log_lines):
    client_for("localhost").get("/healthz")
    assert log_lines.events("request") == []


def test_secret_looking_keys_are_redacted_whatever_the_caller_passes(log_lines):
    probe_log.info("careless", password="hunter2", api_token="tok-1", session_key="s-1", note="kept")
    (line,) = log_lines.events("careless")
    assert (line["password"], line["api_token"], line["session_key"]) == ("[redacted]",) * 3
    assert line["note"] == "kept"
    assert "hunter2" not in log_lines.text


def test_job_lines_carry_job_id_task_and_tenant(world, db, log_lines):
    connector = testing.InMemoryConnector()
    with app.replace_connector(connector):
        with schema_context("alpha"):
            job_id = logging_probe.defer(note="n1")
        app.run_worker(wait=False, install_signal_handlers=False, listen_notify=False)
    (probe,) = log_lines.events("probe ran")
    assert (probe["job_id"], probe["task"], probe["tenant"]) == (job_id, "tests.observability_probe", "alpha")
    (done,) = [line for line in log_lines.events("job") if line["job_id"] == job_id]
    assert (done["job_id"], done["outcome"], done["tenant"]) == (job_id, "succeeded", "alpha")
    assert done["duration_ms"] >= 0


def _manage(code: str, **env: str) -> subprocess.CompletedProcess:
    # Never connects: the command only writes log lines. The URL keeps test settings off the embedded server.
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "projectmeats.settings.test",
        "DATABASE_URL": "postgres://nobody@127.0.0.1:9/none",
        "LOG_FORMAT": "json",
        **env,
    }
    return subprocess.run(  # noqa: S603 (our own manage.py)
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


COMMAND_CODE = (
    "import logging\n"
    "from django_tenants.utils import schema_context\n"
    "with schema_context('alpha'):\n"
    "    logging.getLogger('probe').info('inside tenant')\n"
    "logging.getLogger('probe').debug('debug line')\n"
)


def test_command_lines_carry_command_run_id_and_tenant():
    import json

    done = _manage(COMMAND_CODE)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    (line,) = [line for line in lines if line["event"] == "inside tenant"]
    assert line["command"] == "shell" and re.fullmatch(r"[0-9a-f]{16}", line["run_id"])
    assert line["tenant"] == "alpha" and line["level"] == "info" and line["logger"] == "probe"
    assert "debug line" not in done.stderr


def test_log_levels_come_from_the_environment():
    quiet = _manage(COMMAND_CODE, LOG_LEVEL="WARNING")
    assert quiet.returncode == 0, quiet.stderr
    assert "inside tenant" not in quiet.stderr
    chatty = _manage(COMMAND_CODE, LOG_LEVEL="WARNING", LOG_LEVELS="probe=DEBUG")
    assert "inside tenant" in chatty.stderr and "debug line" in chatty.stderr


def test_log_levels_setting_is_parsed_strictly():
    assert parse_levels(" django.db.backends=debug , axes=INFO ") == {"django.db.backends": "DEBUG", "axes": "INFO"}
    for bad in ("axes", "axes=LOUD", "=INFO"):
        with pytest.raises(ValueError):
            parse_levels(bad)
