"""What would break if the schemas moved to Citus schema-based sharding or the connections went through a
transaction pooler: one `Finding` per hazard, read from the models, the source and the live catalog.

Each finding has a stable key `<code>:<subject>`; a project accepts a finding by listing a glob of its key
with the reason (`accepted={pattern: reason}`). Every finding not accepted is blocking. Used by the
`check_scale_readiness` command and the `scale` system check (apps/tenants/scale_readiness.py).
"""

from __future__ import annotations

import ast
import fnmatch
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps as django_apps
from django.conf import settings
from django.db import connection

# Codes, with what each one means. The command prints them next to the findings.
CODES: dict[str, str] = {
    "fk-cross-schema": "a tenant table references a table in another schema (Citus: that table must become a "
    "reference table; a reference into another tenant schema is never allowed)",
    "sequence-cross-schema": "a tenant column draws from a sequence in another schema (shared across tenants)",
    "identity-not-bigint": "identity/serial column narrower than bigint (Citus distributes only bigint ones)",
    "raw-sql-schema": "SQL text names a schema (breaks when the schema is renamed, cloned or placed elsewhere)",
    "session-set": "session-level SET/RESET/set_config (leaks to the next client under transaction pooling)",
    "advisory-lock": "session-level advisory lock (lost or leaked under transaction pooling)",
    "advisory-xact-lock": "transaction advisory lock (Citus: held only on the node that ran it)",
    "listen": "LISTEN/NOTIFY (LISTEN needs a session; Citus: NOTIFY stays on one node)",
    "unlogged-table": "unlogged or temporary table (not replicated; Citus cannot distribute temp tables)",
    "temp-table": "SQL creates a temporary/unlogged table",
    "function-dependency": "a tenant object calls a function in another schema (must exist on every node)",
    "search-path-engine": "the database engine switches tenants with a session-level SET search_path",
    "server-side-cursors": "server-side cursors enabled (they do not survive transaction pooling)",
}

_SYSTEM_SCHEMAS = ("pg_catalog", "information_schema")


@dataclass(frozen=True)
class Finding:
    code: str
    subject: str
    detail: str

    @property
    def key(self) -> str:
        return f"{self.code}:{self.subject}"


@dataclass(frozen=True)
class Verdict:
    finding: Finding
    reason: str | None  # why it is accepted; None = blocking

    @property
    def blocking(self) -> bool:
        return self.reason is None

    def line(self) -> str:
        state = "BLOCKING" if self.blocking else "accepted"
        tail = f" — accepted: {self.reason}" if self.reason else ""
        return f"{state} {self.finding.key} — {self.finding.detail}{tail}"


def judge(findings: Iterable[Finding], accepted: dict[str, str]) -> list[Verdict]:
    """Pair each finding with the reason of the first accepted pattern matching its key (or None)."""
    verdicts = []
    for finding in sorted(set(findings), key=lambda f: f.key):
        reason = next((why for pattern, why in accepted.items() if fnmatch.fnmatchcase(finding.key, pattern)), None)
        verdicts.append(Verdict(finding, reason))
    return verdicts


def unused_patterns(verdicts: Sequence[Verdict], accepted: dict[str, str]) -> list[str]:
    """Accepted patterns that matched nothing: the hazard is gone, so the entry should go too."""
    keys = [verdict.finding.key for verdict in verdicts]
    return [pattern for pattern in accepted if not any(fnmatch.fnmatchcase(key, pattern) for key in keys)]


# --- Models and settings --------------------------------------------------------------------------------


def _app_names(setting: str) -> set[str]:
    return set(getattr(settings, setting, []))


def model_findings() -> Iterator[Finding]:
    """Foreign keys (with a database constraint) from tenant-only models to shared-only models."""
    shared, tenant = _app_names("SHARED_APPS"), _app_names("TENANT_APPS")
    for model in django_apps.get_models():
        if model._meta.app_config.name not in tenant - shared or not model._meta.managed:
            continue
        for field in model._meta.local_fields:
            target = field.related_model if field.is_relation and field.many_to_one else None
            if target is None or not getattr(field, "db_constraint", False):
                continue
            if target._meta.app_config.name in shared - tenant:
                yield Finding(
                    "fk-cross-schema",
                    f"{model._meta.db_table}.{field.column}->public.{target._meta.db_table}",
                    f"{model._meta.label}.{field.name} references shared {target._meta.label}",
                )


def settings_findings(databases: dict[str, dict] | None = None) -> Iterator[Finding]:
    for alias, database in (settings.DATABASES if databases is None else databases).items():
        yield from _database_findings(alias, database)


def _database_findings(alias: str, database: dict) -> Iterator[Finding]:
    if database.get("ENGINE") == "django_tenants.postgresql_backend":
        yield Finding(
            "search-path-engine",
            alias,
            "django_tenants.postgresql_backend sets search_path per session; a pooled server connection keeps "
            "the previous client's tenant",
        )
    if not database.get("DISABLE_SERVER_SIDE_CURSORS", False):
        yield Finding("server-side-cursors", alias, f"DATABASES[{alias!r}]['DISABLE_SERVER_SIDE_CURSORS'] is not set")


# --- Source ---------------------------------------------------------------------------------------------

_SOURCE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("raw-sql-schema", re.compile(r'(?i)(?<![\w.])"?(public|_tenant_template|pg_temp)"?\s*\.\s*"?[a-z_]')),
    # Case-sensitive: SQL here is upper case, and "Set your colours" is not a statement.
    ("session-set", re.compile(r"^\s*(SET\s+(?!LOCAL\b|CONSTRAINTS\b|TRANSACTION\b)|RESET\s+\w)")),
    ("session-set", re.compile(r"(?i)set_config\([^)]*,\s*false\s*\)")),
    ("advisory-lock", re.compile(r"(?i)pg_(try_)?advisory_lock(_shared)?\s*\(")),
    ("advisory-xact-lock", re.compile(r"(?i)pg_(try_)?advisory_xact_lock(_shared)?\s*\(")),
    ("listen", re.compile(r"(?i)^\s*(UN)?LISTEN\b|\bpg_notify\s*\(|^\s*NOTIFY\b")),
    ("temp-table", re.compile(r"(?i)\bCREATE\s+(GLOBAL\s+|LOCAL\s+)?(TEMP|TEMPORARY|UNLOGGED)\s+TABLE\b")),
)
_SQL_WORDS = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|SET|RESET|LISTEN|NOTIFY|FROM)\b")


def _string_literals(tree: ast.AST) -> Iterator[tuple[int, str]]:
    inside_fstrings = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for part in node.values}
    for node in ast.walk(tree):
        if id(node) in inside_fstrings:
            continue
        if isinstance(node, ast.JoinedStr):
            parts = [v.value if isinstance(v, ast.Constant) else "{}" for v in node.values]
            yield node.lineno, "".join(str(part) for part in parts)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def source_findings(root: Path, paths: Iterable[Path]) -> Iterator[Finding]:
    """Raw SQL in string literals (comments and docstrings of plain prose are skipped: no SQL keyword)."""
    for path in paths:
        try:
            tree = ast.parse(path.read_text(), filename=str(path))
        except (SyntaxError, UnicodeDecodeError):
            continue
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        docstring_lines = {
            node.lineno for node in ast.walk(tree) if isinstance(node, ast.Constant) and id(node) in docstrings
        }
        relative = path.relative_to(root).as_posix()
        for lineno, text in _string_literals(tree):
            if lineno in docstring_lines or not _SQL_WORDS.search(text):
                continue
            for code, pattern in _SOURCE_PATTERNS:
                match = pattern.search(text)
                if match:
                    snippet = " ".join(text[max(match.start() - 10, 0) : match.end() + 30].split())
                    yield Finding(code, f"{relative}:{lineno}", f"{snippet!r}")


def project_sources(root: Path, *, exclude: Sequence[str] = ()) -> list[Path]:
    """The product's Python files: everything under `root` except tests, benches, virtualenvs and `exclude`."""
    skip_dirs = {".venv", "venv", "node_modules", "tests", "bench", ".git", ".data", ".stack", "static"}
    files = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts
        if any(part in skip_dirs or part.startswith(".") for part in parts[:-1]):
            continue
        name = parts[-1]
        if name == "conftest.py" or name.startswith("test_") or path.relative_to(root).as_posix() in exclude:
            continue
        files.append(path)
    return files


# --- Live catalog ---------------------------------------------------------------------------------------


def _rows(sql: str, params: Sequence) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def catalog_findings(tenant_schemas: Sequence[str]) -> Iterator[Finding]:
    """Inspect the given tenant-shaped schemas (the template stands for every tenant cloned from it).

    Subjects name tables without their schema, so one hazard repeated in 10,000 clones is one finding.
    """
    schemas = list(tenant_schemas)
    if not schemas:
        return
    for table, column, ref_schema, ref_table, same_kind in _rows(
        """
        SELECT c.relname, a.attname, fn.nspname, f.relname, fn.nspname = ANY(%s)
        FROM pg_constraint con
        JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace cn ON cn.oid = c.relnamespace
        JOIN pg_class f ON f.oid = con.confrelid JOIN pg_namespace fn ON fn.oid = f.relnamespace
        JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
        WHERE con.contype = 'f' AND cn.nspname = ANY(%s) AND fn.nspname <> cn.nspname
        """,
        [schemas, schemas],
    ):
        target = "<another tenant schema>" if same_kind else ref_schema
        yield Finding("fk-cross-schema", f"{table}.{column}->{target}.{ref_table}", f"constraint to {ref_schema}")
    for table, column, seq_schema, seq in _rows(
        """
        SELECT c.relname, a.attname, sn.nspname, s.relname
        FROM pg_attrdef d
        JOIN pg_class c ON c.oid = d.adrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
        JOIN pg_depend dep ON dep.classid = 'pg_attrdef'::regclass AND dep.objid = d.oid
             AND dep.refclassid = 'pg_class'::regclass
        JOIN pg_class s ON s.oid = dep.refobjid AND s.relkind = 'S' JOIN pg_namespace sn ON sn.oid = s.relnamespace
        WHERE n.nspname = ANY(%s) AND sn.nspname <> n.nspname
        """,
        [schemas],
    ):
        yield Finding("sequence-cross-schema", f"{table}.{column}->{seq_schema}.{seq}", "nextval() default")
    for table, column, type_name in _rows(
        """
        SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY(%s) AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
          AND a.atttypid <> 'int8'::regtype
          AND (a.attidentity <> '' OR EXISTS (
                SELECT 1 FROM pg_depend dep JOIN pg_class s ON s.oid = dep.objid AND s.relkind = 'S'
                WHERE dep.refobjid = c.oid AND dep.refobjsubid = a.attnum AND dep.deptype IN ('a', 'i')))
        """,
        [schemas],
    ):
        yield Finding("identity-not-bigint", f"{table}.{column}", type_name)
    yield from _unlogged_findings(schemas, qualify=False)
    yield from _function_findings(schemas)
    yield from _body_findings(schemas, qualify=False)


def shared_findings(shared_schemas: Sequence[str] = ("public",)) -> Iterator[Finding]:
    """The shared schema: unlogged tables and function bodies (say, a trigger that NOTIFYs a job worker)."""
    yield from _unlogged_findings(list(shared_schemas), qualify=True)
    yield from _body_findings(list(shared_schemas), qualify=True)


def _unlogged_findings(schemas: list[str], *, qualify: bool) -> Iterator[Finding]:
    for schema, table, persistence in _rows(
        """
        SELECT n.nspname, c.relname, c.relpersistence FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY(%s) AND c.relpersistence IN ('u', 't') AND c.relkind IN ('r', 'p', 'S')
        """,
        [schemas],
    ):
        subject = f"{schema}.{table}" if qualify else table
        yield Finding("unlogged-table", subject, "unlogged" if persistence == "u" else "temporary")


def _function_findings(schemas: list[str]) -> Iterator[Finding]:
    # Objects (triggers, defaults, checks, indexes, views) in tenant schemas that depend on a function
    # outside their own schema and outside pg_catalog; extension members are reported as the extension.
    for dependent, proc_schema, proc, extension in _rows(
        """
        SELECT DISTINCT pg_describe_object(dep.classid, dep.objid, 0), pn.nspname, p.proname, e.extname
        FROM pg_depend dep
        JOIN pg_proc p ON dep.refclassid = 'pg_proc'::regclass AND p.oid = dep.refobjid
        JOIN pg_namespace pn ON pn.oid = p.pronamespace
        LEFT JOIN pg_depend ext ON ext.classid = 'pg_proc'::regclass AND ext.objid = p.oid AND ext.deptype = 'e'
        LEFT JOIN pg_extension e ON e.oid = ext.refobjid
        JOIN pg_namespace owner_ns ON owner_ns.oid = CASE dep.classid
            WHEN 'pg_trigger'::regclass THEN (SELECT relnamespace FROM pg_class WHERE oid =
                (SELECT tgrelid FROM pg_trigger WHERE oid = dep.objid))
            WHEN 'pg_attrdef'::regclass THEN (SELECT relnamespace FROM pg_class WHERE oid =
                (SELECT adrelid FROM pg_attrdef WHERE oid = dep.objid))
            WHEN 'pg_constraint'::regclass THEN (SELECT connamespace FROM pg_constraint WHERE oid = dep.objid)
            WHEN 'pg_class'::regclass THEN (SELECT relnamespace FROM pg_class WHERE oid = dep.objid)
            WHEN 'pg_rewrite'::regclass THEN (SELECT relnamespace FROM pg_class WHERE oid =
                (SELECT ev_class FROM pg_rewrite WHERE oid = dep.objid))
            WHEN 'pg_proc'::regclass THEN (SELECT pronamespace FROM pg_proc WHERE oid = dep.objid)
          END
        WHERE owner_ns.nspname = ANY(%s) AND pn.nspname <> owner_ns.nspname AND pn.nspname <> ALL(%s)
        """,
        [schemas, list(_SYSTEM_SCHEMAS)],
    ):
        subject = f"extension:{extension}" if extension else f"{proc_schema}.{proc}"
        for schema in schemas:
            dependent = dependent.replace(f" {schema}.", " ")
        yield Finding("function-dependency", subject, f"used by {dependent}")


def _body_findings(schemas: list[str], *, qualify: bool) -> Iterator[Finding]:
    """Function bodies: the same raw-SQL hazards as in the source (their own schema's name aside)."""
    for schema, name, body in _rows(
        """
        SELECT n.nspname, p.proname, p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = ANY(%s) AND p.prolang NOT IN (SELECT oid FROM pg_language WHERE lanname IN ('c', 'internal'))
          AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid
                          AND e.deptype = 'e')
        """,
        [schemas],
    ):
        subject = f"function {schema}.{name}()" if qualify else f"function {name}()"
        text = body if qualify else body.replace(schema + ".", "")
        for code, pattern in _SOURCE_PATTERNS:
            if pattern.search(text):
                yield Finding(code, subject, "in its body")


def inspect(
    *, accepted: dict[str, str], root: Path, tenant_schemas: Sequence[str] = (), exclude: Sequence[str] = ()
) -> list[Verdict]:
    """Every finding from models, settings, source under `root` and (if given) the tenant-shaped schemas."""
    findings: list[Finding] = [*model_findings(), *settings_findings()]
    findings += source_findings(root, project_sources(root, exclude=exclude))
    if tenant_schemas:
        findings += catalog_findings(tenant_schemas)
        findings += shared_findings()
    return judge(findings, accepted)
