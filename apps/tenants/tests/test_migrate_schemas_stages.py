"""Expand/contract: `--stage pre` applies expand migrations only; contract ones wait for `--stage post`."""

import pytest
from django.core.management import call_command
from django.db import connection

from backend.migration_state import schemas_behind

from .fleet import by_schema, read_report, recorded

EXPAND = """    operations = [
        migrations.AddField("numbersequence", "stage_note", models.TextField(null=True, blank=True)),
    ]
"""
CONTRACT = """    stage = Stage.POST_DEPLOY
    operations = [migrations.RemoveField("numbersequence", "stage_note")]
"""
LATER_EXPAND = """    operations = [
        migrations.AddField("numbersequence", "stage_later", models.TextField(null=True, blank=True)),
    ]
"""
UNDO = [
    "ALTER TABLE numbering_numbersequence DROP COLUMN IF EXISTS stage_note",
    "ALTER TABLE numbering_numbersequence DROP COLUMN IF EXISTS stage_later",
]


@pytest.fixture
def expand_then_contract(add_migrations):
    return add_migrations(
        "numbering",
        {"9001_expand": EXPAND, "9002_contract": CONTRACT, "9003_later_expand": LATER_EXPAND},
        undo_sql=UNDO,
    )


def _column_exists(schema: str, column: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = %s "
            "AND table_name = 'numbering_numbersequence' AND column_name = %s",
            [schema, column],
        )
        return cursor.fetchone() is not None


@pytest.mark.parametrize("parallel", [1, 3])
def test_pre_stage_applies_expand_migrations_and_leaves_contract_ones(expand_then_contract, tmp_path, capsys, parallel):
    expand, contract, later = expand_then_contract

    call_command(
        "migrate_schemas",
        tenant=True,
        stage="pre",
        parallel=parallel,
        interactive=False,
        lock_timeout=5,
        report=tmp_path / "pre.json",
    )

    report = read_report(tmp_path / "pre.json")
    assert report["stage"] == "pre" and report["status"] == "ok"
    for schema, entry in by_schema(report).items():
        assert entry["status"] == "applied", schema
        assert entry["migrations"] == [expand]
        # 9003 is an expand migration, but it depends on the contract one: it waits with it.
        assert entry["deferred"] == [contract, later]
        assert expand in recorded(schema) and contract not in recorded(schema)
        assert _column_exists(schema, "stage_note") and not _column_exists(schema, "stage_later")
    assert "with post-stage migrations left for later" in capsys.readouterr().out

    # The running code needs nothing more: ready; the pre stage has nothing left; the full plan does.
    assert schemas_behind() == {}
    call_command("migrate_schemas", tenant=True, stage="pre", plan=True, interactive=False)
    with pytest.raises(SystemExit) as plan:
        call_command("migrate_schemas", tenant=True, plan=True, interactive=False)
    assert plan.value.code == 1
    assert f"{contract} [post]" in capsys.readouterr().out

    call_command(
        "migrate_schemas", tenant=True, stage="post", interactive=False, lock_timeout=5, report=tmp_path / "post.json"
    )
    for schema, entry in by_schema(read_report(tmp_path / "post.json")).items():
        assert entry["migrations"] == [contract, later], schema
        assert not _column_exists(schema, "stage_note") and _column_exists(schema, "stage_later")


def test_pre_stage_with_nothing_but_contract_pending_skips_every_schema(expand_then_contract, tmp_path):
    expand, contract, later = expand_then_contract
    call_command("migrate_schemas", tenant=True, stage="pre", interactive=False, lock_timeout=5)

    call_command(
        "migrate_schemas", tenant=True, stage="pre", interactive=False, lock_timeout=5, report=tmp_path / "again.json"
    )
    schemas = by_schema(read_report(tmp_path / "again.json"))
    assert {entry["status"] for entry in schemas.values()} == {"skipped"}
    assert {tuple(entry["deferred"]) for entry in schemas.values()} == {(contract, later)}


def test_default_stage_applies_everything_as_before(expand_then_contract, tmp_path):
    call_command("migrate_schemas", tenant=True, interactive=False, lock_timeout=5, report=tmp_path / "all.json")
    schemas = by_schema(read_report(tmp_path / "all.json"))
    assert {tuple(entry["migrations"]) for entry in schemas.values()} == {tuple(expand_then_contract)}
