"""Two migration runs never overlap: the second waits for the advisory lock or gives up clearly."""

import re
import threading
import time
from io import StringIO

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections

from backend.fleet import LOCK_KEY

from .fleet import by_schema, put_behind, read_report


@pytest.fixture
def lock_holder(live):
    """Another session (as another deploy would be) holding the migration lock."""
    holder = psycopg.connect(**connection.get_connection_params(), autocommit=True)
    holder.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
    yield holder
    holder.close()


def test_run_gives_up_with_a_clear_message_while_another_holds_the_lock(lock_holder, tmp_path):
    pid = lock_holder.info.backend_pid
    started = time.monotonic()
    with pytest.raises(CommandError) as failure:
        call_command(
            "migrate_schemas", tenant=True, interactive=False, lock_timeout=0.5, report=tmp_path / "report.json"
        )
    assert time.monotonic() - started < 5
    assert re.fullmatch(
        rf"Another migration run holds the migration lock \(PostgreSQL backend pid {pid}\); gave up after 0\.\ds\. "
        r"Wait for it to finish \(or raise --lock-timeout\) and run again\.",
        str(failure.value),
    ), str(failure.value)
    report = read_report(tmp_path / "report.json")
    assert (report["status"], report["runs"]) == ("lock_timeout", [])


def test_run_waits_for_the_lock_and_then_proceeds(lock_holder, capsys):
    threading.Timer(0.5, lambda: lock_holder.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])).start()
    call_command("migrate_schemas", tenant=True, interactive=False, lock_timeout=30)
    out = capsys.readouterr().out
    assert (
        f"waiting up to 30s for the migration lock (held by PostgreSQL backend pid {lock_holder.info.backend_pid})"
        in out
    )
    assert "migrate_schemas: tenant: done in" in out


def test_plan_needs_no_lock(lock_holder, capsys):
    call_command("migrate_schemas", tenant=True, plan=True, interactive=False, lock_timeout=0)
    assert "0 behind" in capsys.readouterr().out


def test_concurrent_runs_never_interleave(live, tmp_path):
    for schema in live:
        put_behind(schema)
    outcomes = {}

    def run(name):
        try:
            call_command(
                "migrate_schemas",
                tenant=True,
                interactive=False,
                lock_timeout=60,
                report=tmp_path / f"{name}.json",
                stdout=StringIO(),
            )
            outcomes[name] = "ok"
        except Exception as exc:
            outcomes[name] = repr(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(name,)) for name in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes == {"one": "ok", "two": "ok"}
    reports = {name: by_schema(read_report(tmp_path / f"{name}.json")) for name in ("one", "two")}
    for schema in live:
        statuses = sorted(reports[name][schema]["status"] for name in ("one", "two"))
        # Exactly one run migrated each schema; the other, having waited, found it current.
        assert statuses == ["applied", "skipped"], (schema, statuses)
    # ...and the run that waited found the whole fleet current: the two never overlapped.
    waited = next(name for name in reports if reports[name]["fleet_a"]["status"] == "skipped")
    assert {entry["status"] for entry in reports[waited].values()} == {"skipped"}
