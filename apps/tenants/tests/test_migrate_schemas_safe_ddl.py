"""Safe DDL across the fleet: a locked tenant never holds up the others, indexes are built concurrently."""

import re
import threading
import time

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from backend.safe_ddl import DDLPolicy, build_index_concurrently

from .fleet import by_schema, read_report, recorded

SCHEMAS = ["alpha", "beta", "fleet_a", "fleet_b", "fleet_c", "fleet_d"]
ADD_COLUMN = """    operations = [
        migrations.AddField("numbersequence", "ddl_note", models.TextField(null=True, blank=True)),
    ]
"""
ADD_INDEX = """    operations = [
        migrations.AddIndex("numbersequence", models.Index(fields=["last_value"], name="numseq_last_value_idx")),
    ]
"""
UNDO = [
    "ALTER TABLE numbering_numbersequence DROP COLUMN IF EXISTS ddl_note",
    "DROP INDEX IF EXISTS numseq_last_value_idx",
    "DELETE FROM numbering_numbersequence WHERE kind LIKE 'T%'",
]
LOCK_TIMEOUT = 1.0


def _params() -> dict:
    return connection.get_connection_params()


def test_locked_tenant_is_reported_the_others_finish_and_a_rerun_completes_it(add_migrations, settings, tmp_path):
    settings.MIGRATION_DDL_RETRY_BACKOFF = 0.2
    (key,) = add_migrations("numbering", {"9101_ddl_note": ADD_COLUMN}, undo_sql=UNDO)

    # A long transaction in fleet_b: its table lock stays until it ends.
    blocker = psycopg.connect(**_params())
    blocker.execute("SELECT 1 FROM fleet_b.numbering_numbersequence LIMIT 1")
    # Without a lock timeout the run would wait for it for ever; end it after a while so that such a
    # regression fails the assertions below instead of hanging the suite.
    guard = threading.Timer(20, blocker.rollback)
    guard.start()

    waits: list[tuple[str, float]] = []
    stop = threading.Event()

    def probe() -> None:
        with psycopg.connect(**_params(), autocommit=True) as reader:
            while not stop.is_set():
                for schema in SCHEMAS:
                    started = time.monotonic()
                    reader.execute(f'SELECT count(*) FROM "{schema}".numbering_numbersequence')
                    waits.append((schema, time.monotonic() - started))
                time.sleep(0.01)

    prober = threading.Thread(target=probe)
    prober.start()
    try:
        with pytest.raises(CommandError) as failure:
            call_command(
                "migrate_schemas",
                tenant=True,
                interactive=False,
                verbosity=0,
                lock_timeout=5,
                ddl_lock_timeout=LOCK_TIMEOUT,
                ddl_retries=2,
                report=tmp_path / "first.json",
            )
    finally:
        stop.set()
        prober.join()
        guard.cancel()
        blocker.rollback()
        blocker.close()

    assert "1 of 6 tenant schema(s) never got a table lock after 3 attempt(s)" in str(failure.value)
    assert "fleet_b: OperationalError: canceling statement due to lock timeout" in str(failure.value)
    report = read_report(tmp_path / "first.json")
    assert report["status"] == "failed" and report["lock_timeout"] == ["fleet_b"] and report["failed"] == []
    schemas = by_schema(report)
    assert (schemas["fleet_b"]["status"], schemas["fleet_b"]["attempts"]) == ("lock_timeout", 3)
    assert all(schemas[schema]["status"] == "applied" for schema in SCHEMAS if schema != "fleet_b")
    assert key not in recorded("fleet_b")
    # Readers queued behind the waiting ALTER TABLE (fleet_b) or behind a short one (the others) never
    # waited much longer than the lock timeout; the blocking transaction itself lasted far longer.
    assert {schema for schema, _ in waits} == set(SCHEMAS)
    assert max(wait for _, wait in waits) < LOCK_TIMEOUT + 1.0, sorted(waits, key=lambda w: -w[1])[:3]

    call_command(
        "migrate_schemas", tenant=True, interactive=False, verbosity=0, lock_timeout=5, report=tmp_path / "again.json"
    )
    again = by_schema(read_report(tmp_path / "again.json"))
    assert again["fleet_b"]["status"] == "applied" and again["fleet_b"]["migrations"] == [key]
    assert {again[schema]["status"] for schema in SCHEMAS if schema != "fleet_b"} == {"skipped"}


def _index_state(schema: str, name: str) -> bool | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = %s",
            [schema, name],
        )
        row = cursor.fetchone()
        return row[0] if row else None


def _build_progress(conn, table: str):
    return conn.execute(
        "SELECT command, phase FROM pg_stat_progress_create_index WHERE relid = %s::regclass", [table]
    ).fetchone()


def test_index_on_a_table_with_rows_is_built_concurrently_while_writes_go_on(add_migrations, tmp_path):
    (key,) = add_migrations("numbering", {"9102_last_value_index": ADD_INDEX}, undo_sql=UNDO)
    table = "fleet_a.numbering_numbersequence"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (kind, year, last_value) "
            "SELECT 'T' || (g / 30000), g % 30000, g FROM generate_series(1, 20000) g"
        )

    # An older snapshot elsewhere in the database: a concurrent build waits for it before it completes,
    # which keeps the build in progress long enough to write into the table meanwhile.
    old_snapshot = psycopg.connect(**_params(), autocommit=True)
    old_snapshot.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
    old_snapshot.execute("SELECT count(*) FROM fleet_b.numbering_numbersequence")

    errors: list[BaseException] = []

    def migrate() -> None:
        try:
            call_command(
                "migrate_schemas",
                schema_name="fleet_a",
                interactive=False,
                verbosity=0,
                lock_timeout=5,
                ddl_lock_timeout=60,
                report=tmp_path / "index.json",
            )
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()  # this thread's own connection

    migration = threading.Thread(target=migrate)
    migration.start()
    written = 0
    try:
        with psycopg.connect(**_params(), autocommit=True) as writer:
            writer.execute("SET lock_timeout = '2s'")
            deadline = time.monotonic() + 30
            while (progress := _build_progress(writer, table)) is None and time.monotonic() < deadline:
                time.sleep(0.05)
            assert progress is not None, "no index build was seen in progress"
            assert progress[0] == "CREATE INDEX CONCURRENTLY"
            for n in range(50):
                writer.execute(f"INSERT INTO {table} (kind, year, last_value) VALUES ('TW', %s, %s)", [n, n])
                written += 1
            assert _build_progress(writer, table) is not None  # every write landed while the build ran
    finally:
        old_snapshot.execute("ROLLBACK")
        old_snapshot.close()
        migration.join(60)
    assert not errors, errors
    assert written == 50

    assert by_schema(read_report(tmp_path / "index.json"))["fleet_a"]["migrations"] == [key]
    assert key in recorded("fleet_a")
    assert _index_state("fleet_a", "numseq_last_value_idx") is True
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} WHERE kind = 'TW'")
        assert cursor.fetchone()[0] == 50


def test_an_invalid_index_left_by_an_interrupted_build_is_built_again(live):
    with connection.cursor() as cursor:
        cursor.execute("CREATE INDEX numseq_last_value_idx ON fleet_c.numbering_numbersequence (last_value)")
        cursor.execute(
            "UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'fleet_c.numseq_last_value_idx'::regclass"
        )
    assert _index_state("fleet_c", "numseq_last_value_idx") is False
    connection.set_schema("fleet_c")
    try:
        build_index_concurrently(
            connection,
            'CREATE INDEX CONCURRENTLY "numseq_last_value_idx" ON "numbering_numbersequence" ("last_value")',
            DDLPolicy(lock_timeout=5, statement_timeout=10, retries=0, backoff=0),
        )
    finally:
        connection.set_schema_to_public()
    try:
        assert _index_state("fleet_c", "numseq_last_value_idx") is True
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX IF EXISTS fleet_c.numseq_last_value_idx")


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ({"ddl_retries": -1}, "--ddl-retries must be 0 or more."),
        ({"ddl_lock_timeout": 0}, "--ddl-lock-timeout must be more than 0 seconds."),
        ({"statement_timeout": -1}, "--statement-timeout must be 0 (no limit) or more seconds."),
        ({"stage": "pre", "executor": "standard"}, "--stage pre cannot be combined with"),
    ],
)
def test_bad_safe_ddl_options_are_one_line_errors(db, option, message):
    with pytest.raises(CommandError, match=f"^{re.escape(message)}"):
        call_command("migrate_schemas", tenant=True, interactive=False, verbosity=0, **option)


def test_replayed_index_sql_builds_concurrently_only_where_the_table_has_rows(add_migrations):
    """The SQL collected from the pilot always says CONCURRENTLY; a schema whose table is empty builds the index
    inside its migration transaction (as Django's own run does there), without waiting for other transactions."""
    from backend.fleet import APPLIED, collect_statements, replay_schema

    (key,) = add_migrations("numbering", {"9103_last_value_index": ADD_INDEX}, undo_sql=UNDO)
    policy = DDLPolicy(lock_timeout=5, statement_timeout=10, retries=0, backoff=0)
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO fleet_a.numbering_numbersequence (kind, year, last_value) VALUES ('T1', 1, 1)")
        cursor.execute("SELECT count(*) FROM fleet_b.numbering_numbersequence")
        assert cursor.fetchone()[0] == 0
    statements = collect_statements("fleet_c", (key,), policy=policy)
    assert any("CREATE INDEX CONCURRENTLY" in statement for statement in statements)
    ran = {}
    for schema in ("fleet_a", "fleet_b"):
        with CaptureQueriesContext(connection) as queries:
            assert replay_schema(schema, keys=(key,), statements=statements, policy=policy).status == APPLIED
        ran[schema] = [query["sql"] for query in queries.captured_queries if "numseq_last_value_idx" in query["sql"]]
        assert _index_state(schema, "numseq_last_value_idx") is True
        assert key in recorded(schema)
    assert any("CREATE INDEX CONCURRENTLY" in sql for sql in ran["fleet_a"])
    assert not any("CONCURRENTLY" in sql for sql in ran["fleet_b"])
    assert any(re.search(r"CREATE INDEX \"?numseq_last_value_idx", sql) for sql in ran["fleet_b"])
