"""DIRECT_DATABASE_URL: processes holding session state bypass the pooler; the app behind it has no
server-side cursors (they cannot survive transaction pooling)."""

import json
import subprocess
import sys

import pytest

from projectmeats.settings.base import uses_direct_connection

from .test_settings import PROD_ENV, ROOT, _clean_environ

POOLED = "postgres://u:p@pgbouncer.internal:6432/projectmeats"
DIRECT = "postgres://u:p@db.internal:5432/projectmeats"

PRINT = (
    "import sys; sys.argv = {argv!r}; import json, projectmeats.settings.production as s; "
    "d = s.DATABASES['default']; "
    "print(json.dumps([d['HOST'], d.get('DISABLE_SERVER_SIDE_CURSORS', False), d['CONN_HEALTH_CHECKS'], "
    "s.DIRECT_DATABASE['HOST']]))"
)


def _settings(argv: list[str], **env) -> list:
    result = subprocess.run(
        [sys.executable, "-c", PRINT.format(argv=argv)],
        cwd=ROOT,
        env={**_clean_environ(), **PROD_ENV, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_web_process_goes_through_the_pooler_without_server_side_cursors():
    host, no_cursors, health_checks, direct = _settings(["gunicorn"], DATABASE_URL=POOLED, DIRECT_DATABASE_URL=DIRECT)
    assert (host, no_cursors, health_checks, direct) == ("pgbouncer.internal", True, True, "db.internal")


@pytest.mark.parametrize(
    "command",
    ["migrate_schemas", "procrastinate", "backup_tenant", "restore_tenant", "backup_database", "restore_drill"],
)
def test_session_state_commands_connect_directly(command):
    host, no_cursors, _, _ = _settings(["manage.py", command], DATABASE_URL=POOLED, DIRECT_DATABASE_URL=DIRECT)
    assert (host, no_cursors) == ("db.internal", False)


def test_without_a_pooler_nothing_changes():
    host, no_cursors, _, direct = _settings(["gunicorn"], DATABASE_URL=DIRECT)
    assert (host, no_cursors, direct) == ("db.internal", False, "db.internal")


def test_only_manage_py_commands_of_the_list_are_direct():
    assert uses_direct_connection(["manage.py", "migrate"])
    assert not uses_direct_connection(["manage.py", "shell"])
    assert not uses_direct_connection(["gunicorn", "migrate"])
