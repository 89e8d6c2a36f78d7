"""Does a new migration break the release still running? django-migration-linter's answer, for a fleet.

The pipeline migrates before it deploys, so for a while the previous release runs against the new
schema. django-migration-linter reads the SQL a migration runs (`sqlmigrate`) and flags what that
release cannot survive: dropped or renamed columns and tables, NOT NULL columns without a database
default, changed column types, new unique constraints. We run it with the SQL our fleet really runs —
tenant apps in a tenant schema (the router emits nothing for them in `public`), through the safe
schema editor (`backend.safe_ddl`: indexes on existing tables come out CONCURRENTLY) — and add one rule
of ours: a concurrent index build goes in a migration of its own, because it runs after the migration's
transaction and a retry re-runs the whole migration.

A migration that is incompatible on purpose says why, in a sentence, on its class:

    class Migration(migrations.Migration):
        stage = Stage.POST_DEPLOY
        backward_incompatible = "Drops Supplier.fax: no release since 0007 (expand) reads or writes it."
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader

from backend.provisioning import template_schema_name
from backend.safe_ddl import DDLPolicy, is_concurrent_index, safe_ddl

MIN_REASON_LENGTH = 20
# Linter warnings that break the running release as surely as its errors: a plain CREATE INDEX on a
# table with rows blocks every write to it for the whole build.
WARNINGS_AS_ERRORS = ("CREATE_INDEX",)
_NOT_DDL = ("BEGIN", "COMMIT", "--")


@dataclass
class Verdict:
    key: str  # app_label.migration_name
    problems: list[str] = field(default_factory=list)
    reason: str | None = None  # the migration's `backward_incompatible`

    @property
    def blocking(self) -> bool:
        return bool(self.problems) and not self.reason


class GitHistoryMissing(Exception):
    pass


def _git(*args: str, cwd: Path) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)  # noqa: S603, S607
    if result.returncode != 0:
        raise GitHistoryMissing(result.stderr.strip() or f"git {' '.join(args)} failed")
    return result.stdout.strip()


def base_commit(repo: Path | None = None) -> str:
    """The commit the running release was built from, as CI sees it.

    `MIGRATION_BASE_REF` when set (a pipeline knows it); otherwise the merge base with main when this
    is a branch of it; otherwise (main itself, or a merge into it) the first parent of HEAD.
    """
    repo = repo or Path(settings.BASE_DIR)
    explicit = os.environ.get("MIGRATION_BASE_REF", "").strip()
    if explicit:
        return _git("rev-parse", "--verify", f"{explicit}^{{commit}}", cwd=repo)
    head = _git("rev-parse", "HEAD", cwd=repo)
    for main in ("origin/main", "main"):
        try:
            fork = _git("merge-base", "HEAD", main, cwd=repo)
        except GitHistoryMissing:
            continue
        if fork != head:
            return fork
    try:
        return _git("rev-parse", "--verify", "HEAD^1", cwd=repo)
    except GitHistoryMissing as exc:
        raise GitHistoryMissing(
            "no previous commit to compare with: clone with history (actions/checkout fetch-depth: 0) "
            "or set MIGRATION_BASE_REF"
        ) from exc


def migrations_added_since(base: str, repo: Path | None = None) -> list[str]:
    """'app_label.name' of migration files added (or renamed in) since `base`, in the project's apps."""
    repo = repo or Path(settings.BASE_DIR)
    changed = _git("diff", "--name-only", "--diff-filter=AR", base, "--", "*/migrations/*.py", cwd=repo)
    labels = {Path(config.path).resolve(): config.label for config in apps.get_app_configs()}
    keys = []
    for line in changed.splitlines():
        path = (repo / line).resolve()
        if path.name == "__init__.py" or path.parent.name != "migrations":
            continue
        label = labels.get(path.parent.parent)
        if label:
            keys.append(f"{label}.{path.stem}")
    return sorted(keys)


def _schema_for(app_label: str) -> str | None:
    """Where the fleet runs this app's migrations: a tenant schema for tenant apps, else public."""
    config = apps.get_app_config(app_label)
    if config.name in settings.TENANT_APPS:
        return template_schema_name()  # need not exist: only the router's answer matters here
    return None


def lint(keys: list[str], *, alias: str = DEFAULT_DB_ALIAS) -> list[Verdict]:
    """One verdict per migration key, in the given order."""
    from django_migration_linter import MigrationLinter
    from django_migration_linter.sql_analyser import analyse_sql_statements

    linter = MigrationLinter(database=alias, no_cache=True, no_output=True, analyser_string="postgresql")
    loader = MigrationLoader(None, ignore_no_migrations=True)
    connection = connections[alias]
    verdicts = []
    for key in keys:
        app_label, name = key.split(".", 1)
        migration = loader.disk_migrations[(app_label, name)]
        schema = _schema_for(app_label)
        if schema:
            connection.set_schema(schema)
        try:
            with safe_ddl(connection, DDLPolicy.from_settings()):
                statements = linter.get_sql(app_label, name)
        finally:
            connection.set_schema_to_public()
        errors, _, warnings = analyse_sql_statements(linter.sql_analyser_class, statements)
        data_errors, _, _ = linter.analyse_data_migration(migration)
        issues = errors + data_errors + [issue for issue in warnings if issue.code in WARNINGS_AS_ERRORS]
        verdict = Verdict(key=key, reason=getattr(migration, "backward_incompatible", None))
        verdict.problems = [_describe(issue) for issue in issues]
        ddl = [s for s in statements if s.strip() and not s.lstrip().upper().startswith(_NOT_DDL)]
        if any(is_concurrent_index(s) for s in ddl) and not all(is_concurrent_index(s) for s in ddl):
            verdict.problems.append(
                "an index built CONCURRENTLY next to other operations: put AddIndex (or the db_index change) "
                "in a migration of its own — the build runs after the migration's transaction, and a retry "
                "re-runs the whole migration"
            )
        if verdict.reason is not None and len(str(verdict.reason).strip()) < MIN_REASON_LENGTH:
            verdict.problems.append(
                f"backward_incompatible must say why in a sentence (at least {MIN_REASON_LENGTH} characters)"
            )
            verdict.reason = None
        verdicts.append(verdict)
    return verdicts


def _describe(issue) -> str:
    where = ", ".join(
        part for part in (issue.table and f"table {issue.table}", issue.column and f"column {issue.column}") if part
    )
    return f"{issue.message}{f' ({where})' if where else ''} [{issue.code}]"
