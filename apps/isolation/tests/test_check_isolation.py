"""`manage.py check_isolation` against a live server on 127.0.0.1: real sockets, real sign-in, real leaks.

The server thread only sees committed data, so this module commits two canary tenants of its own
(isocanaryone, isocanarytwo) and drops them afterwards; the session's alpha/beta stay untouched.
"""

from __future__ import annotations

import io
import re
import socket

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.test.testcases import LiveServerThread, _StaticFilesHandler
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.isolation.canary import PREFIX
from apps.partners.models import Supplier
from apps.tenants.models import Client
from apps.tenants.services import tenant_create
from backend.tenant_export import delete_storage_prefix
from conftest import TEST_PASSWORD

SCHEMAS = ("isocanaryone", "isocanarytwo")
HOSTS = tuple(f"{schema}.localhost" for schema in SCHEMAS)


@pytest.fixture(scope="module")
def live_canaries(world, django_db_blocker):
    """Two committed tenants (enterprise plan, no API rate limit), their owners, and a live server."""
    with django_db_blocker.unblock():
        for schema, host in zip(SCHEMAS, HOSTS, strict=True):
            tenant = tenant_create(schema_name=schema, name=schema.title(), domain=host, owner_email=f"owner@{host}")
            Client.objects.filter(pk=tenant.pk).update(
                plan="enterprise", quota_overrides={"api_requests_per_minute": None}
            )
            owner = User.objects.get(email=f"owner@{host}")
            owner.set_password(TEST_PASSWORD)
            owner.save()
        connection.set_schema_to_public()
        server = LiveServerThread("127.0.0.1", _StaticFilesHandler, connections_override={}, port=0)
        server.daemon = True
        server.start()
        server.is_ready.wait()
        if server.error:
            raise server.error
    yield f"http://127.0.0.1:{server.port}"
    server.terminate()
    with django_db_blocker.unblock():
        for conn in connections.all():
            conn.close()
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            for schema in SCHEMAS:
                cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        Client.objects.filter(schema_name__in=SCHEMAS).delete()
        for schema in SCHEMAS:
            delete_storage_prefix(prefix=schema)
        emails = [f"owner@{host}" for host in HOSTS]
        ids = {str(pk) for pk in User.objects.filter(email__in=emails).values_list("pk", flat=True)}
        Session.objects.filter(
            pk__in=[s.pk for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") in ids]
        ).delete()
        AccessLog.objects.filter(username__in=emails).delete()
        AccessAttempt.objects.filter(username__in=emails).delete()
        User.objects.filter(email__in=emails).delete()


@pytest.fixture(autouse=True)
def _several_sign_ins_a_minute(settings):
    # Every run signs both canaries in (token + session); a test runs the command more often in a minute
    # than the per-IP sign-in limit allows.
    settings.LOGIN_RATE_LIMIT = 100


@pytest.fixture
def accounts(monkeypatch):
    for label, host in zip("AB", HOSTS, strict=True):
        monkeypatch.setenv(f"ISOLATION_{label}_EMAIL", f"owner@{host}")
        monkeypatch.setenv(f"ISOLATION_{label}_PASSWORD", TEST_PASSWORD)


def check(base_url: str, *args: str, out: io.StringIO | None = None) -> str:
    """Run the command against the two canaries; its stdout."""
    out = out if out is not None else io.StringIO()
    hosts = ("--tenant-a", HOSTS[0], "--tenant-b", HOSTS[1])
    call_command("check_isolation", "--base-url", base_url, *hosts, *args, stdout=out)
    return out.getvalue()


def _canary_suppliers(schema: str) -> int:
    with schema_context(schema):
        return Supplier.objects.filter(name__startswith=PREFIX).count()


def test_clean_deployment_passes_after_setup_and_setup_plants_once(live_canaries, accounts, db):
    with pytest.raises(
        CommandError, match=r"isocanaryone\.localhost has no canary data \(run check_isolation once with --setup\)"
    ):
        check(live_canaries, "--requests", "5")
    line = check(live_canaries, "--setup", "--requests", "300", "--seed", "11")
    assert re.fullmatch(
        r"check_isolation isocanaryone\.localhost / isocanarytwo\.localhost \(seed 11\): 300 requests, 0 leaks "
        r"\(0 server errors; [^)]*200x\d+[^)]*\)\n",
        line,
    ), line
    check(live_canaries, "--setup", "--requests", "20")
    assert [_canary_suppliers(schema) for schema in SCHEMAS] == [1, 1]


def test_a_leaking_view_fails_the_check(live_canaries, accounts, settings, capsys, db):
    check(live_canaries, "--setup", "--requests", "1")
    settings.ROOT_URLCONF = "apps.isolation.tests.leaky_urls"
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        check(live_canaries, "--requests", "250", "--seed", "5", "--verbosity", "2", out=out)
    assert exit_.value.code == 1
    line = out.getvalue()
    summary = re.fullmatch(r".*: 250 requests, (\d+) leaks .*; first leak: GET /api/v1/[a-z-]+/0?\d+/ .*\n", line)
    assert summary and int(summary.group(1)) > 0, line
    leaks = [line for line in capsys.readouterr().err.splitlines() if line.startswith("LEAK: ")]
    assert len(leaks) == int(summary.group(1))
    assert all("carrying " in line and PREFIX in line for line in leaks)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (("--requests", "0"), {}, r"^--requests must be between 1 and 100000, not 0\.$"),
        (("--timeout", "0"), {}, r"^--timeout must be a positive number of seconds"),
        (("--base-url", "ftp://example.com"), {}, r"^--base-url must look like http\(s\)://host\[:port\]"),
        (("--base-url", "http://127.0.0.1:8000/app/"), {}, r"^--base-url takes no path or query"),
        ((), {"ISOLATION_B_PASSWORD": ""}, r"^Set the canary accounts in the environment: ISOLATION_B_PASSWORD\.$"),
        ((), {"ISOLATION_B_EMAIL": "OWNER@isocanaryone.localhost"}, r"^The two canaries need two different accounts"),
        (
            (),
            {"ISOLATION_A_PASSWORD": "wrong"},
            r"^no API token for owner@isocanaryone\.localhost on isocanaryone\.localhost: 400",
        ),
    ],
)
def test_bad_input_is_one_readable_line(live_canaries, accounts, monkeypatch, args, env, message, db):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(CommandError, match=message) as error:
        check(live_canaries, *args)
    assert "\n" not in str(error.value)


def test_same_tenant_twice_is_refused(live_canaries, accounts, db):
    with pytest.raises(CommandError, match="two different host names"):
        call_command(
            "check_isolation", "--base-url", live_canaries, "--tenant-a", HOSTS[0], "--tenant-b", HOSTS[0].upper()
        )


def test_unreachable_server_is_one_readable_line(accounts):
    with pytest.raises(CommandError, match=r"^cannot reach http://127\.0\.0\.1:\d+: .*refused"):
        check(f"http://127.0.0.1:{_closed_port()}")
