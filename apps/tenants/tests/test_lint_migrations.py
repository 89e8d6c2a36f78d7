"""lint_migrations: a migration the running release cannot survive fails, unless it says why it is safe."""

import itertools
import shutil
import uuid
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from backend import migration_state

DROP = '    operations = [migrations.RemoveField("numbersequence", "last_value")]\n'
DROP_WITH_REASON = (
    '    backward_incompatible = "last_value moved to NumberCounter in 0002; no release since reads it."\n' + DROP
)
DROP_WITH_NO_REAL_REASON = '    backward_incompatible = "safe"\n' + DROP
NOT_NULL = (
    '    operations = [migrations.AddField("numbersequence", "prefix", models.CharField(max_length=5, default="X"))]\n'
)
NOT_NULL_DB_DEFAULT = (
    '    operations = [migrations.AddField("numbersequence", "prefix", '
    'models.CharField(max_length=5, default="X", db_default="X"))]\n'
)
INDEX_ALONE = (
    '    operations = [migrations.AddIndex("numbersequence", models.Index(fields=["last_value"], name="numseq_lv"))]\n'
)
INDEXED_FIELD = (
    '    operations = [migrations.AddField("numbersequence", "note", models.TextField(null=True, db_index=True))]\n'
)


@pytest.fixture
def numbering_migration(db, settings, tmp_path, monkeypatch):
    """`numbering_migration(body)` -> "numbering.9200_x": one extra migration after numbering's own."""
    package_name = f"lint_numbering_{uuid.uuid4().hex[:8]}"
    package = tmp_path / package_name
    shutil.copytree(
        Path(apps.get_app_config("numbering").path) / "migrations",
        package,
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    settings.MIGRATION_MODULES = {"numbering": package_name}

    numbers = itertools.count()

    def add(body: str) -> str:
        name = f"9200_x{next(numbers)}"  # a new module name each time: no import cache
        for earlier in package.glob("9200_x*.py"):
            earlier.unlink()
        (package / f"{name}.py").write_text(
            "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n"
            "    dependencies = [('numbering', '0001_initial')]\n" + body
        )
        migration_state.clear_caches()
        return f"numbering.{name}"

    yield add
    migration_state.clear_caches()


def _lint(key: str, capsys) -> tuple[str | None, str]:
    try:
        call_command("lint_migrations", key)
    except CommandError as exc:
        return str(exc), capsys.readouterr().out
    return None, capsys.readouterr().out


def test_dropping_a_column_fails_with_a_clear_message(numbering_migration, capsys):
    error, out = _lint(numbering_migration(DROP), capsys)
    assert error.startswith(
        "1 migration(s) would break the release still running during the deploy (numbering.9200_x0)"
    )
    assert 'add backward_incompatible = "<why>"' in error and "docs/operations.md" in error
    assert "numbering.9200_x0: BREAKS THE RUNNING RELEASE" in out
    assert "DROPPING columns (table numbering_numbersequence, column last_value) [DROP_COLUMN]" in out


def test_a_written_reason_lets_it_through(numbering_migration, capsys):
    error, out = _lint(numbering_migration(DROP_WITH_REASON), capsys)
    assert error is None
    assert "numbering.9200_x0: incompatible on purpose: last_value moved to NumberCounter" in out


def test_a_reason_that_says_nothing_does_not(numbering_migration, capsys):
    error, out = _lint(numbering_migration(DROP_WITH_NO_REAL_REASON), capsys)
    assert error is not None
    assert "backward_incompatible must say why in a sentence" in out


def test_a_not_null_column_needs_a_database_default(numbering_migration, capsys):
    error, out = _lint(numbering_migration(NOT_NULL), capsys)
    assert error is not None and "NOT NULL constraint on columns [NOT_NULL]" in out
    error, out = _lint(numbering_migration(NOT_NULL_DB_DEFAULT), capsys)
    assert error is None, out


def test_an_index_on_an_existing_table_is_built_concurrently_and_alone(numbering_migration, capsys):
    error, out = _lint(numbering_migration(INDEX_ALONE), capsys)
    assert error is None and "numbering.9200_x0: OK" in out, out
    error, out = _lint(numbering_migration(INDEXED_FIELD), capsys)
    assert error is not None and "an index built CONCURRENTLY next to other operations" in out


def test_unknown_migration_is_one_line(db):
    with pytest.raises(CommandError, match=r"^Unknown migration\(s\): numbering.nope \(use app_label.migration_name\)"):
        call_command("lint_migrations", "numbering.nope")


def test_migrations_added_since_the_base_commit_do_not_break_the_running_release(db, capsys):
    """The CI gate: every migration new on this branch (or in this merge into main) passes or says why."""
    call_command("lint_migrations")
    assert "migration(s) added since" in capsys.readouterr().out
