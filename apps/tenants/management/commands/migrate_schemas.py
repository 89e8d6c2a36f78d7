"""`migrate_schemas` with django-tenants' interface, run fleet-aware by `backend.fleet`.

Adds to `--shared` / `--tenant` / `--schema`: skipping schemas already current (one catalog query),
`--parallel N`, `--report FILE`, a Postgres advisory lock (`--lock-timeout`), `--plan` with exit
codes, `--fail-fast`, SQL replay of schema-only migrations (`--no-replay` to opt out), expand/contract
stages (`--stage pre|post`), safe DDL (lock and statement timeouts, retries, concurrent index builds:
`--ddl-lock-timeout`, `--statement-timeout`, `--ddl-retries`), and one progress line per schema.
Runs it does not cover (a target migration, `--prune`, `--run-syncdb`, an explicit `--executor`) go
to django-tenants unchanged.
"""

from __future__ import annotations

import json
import threading
import time
from contextlib import nullcontext
from pathlib import Path

from django.core.management.base import CommandError
from django.db import DatabaseError, connections
from django_tenants.management.commands import SyncCommon
from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand
from django_tenants.utils import get_public_schema_name, has_multi_type_tenants, schema_exists

from backend import clock
from backend.fleet import (
    FAILED,
    LOCK_TIMEOUT,
    NOT_RUN,
    PENDING,
    FleetRun,
    MigrationLockTimeout,
    migration_lock,
    run_fleet,
)
from backend.migration_state import (
    ALL,
    PRE,
    STAGES,
    fleet_state_forget,
    fleet_state_record,
    post_deploy_keys,
)
from backend.provisioning import template_refresh, template_schema_name
from backend.safe_ddl import DDLPolicy

DEFAULT_LOCK_TIMEOUT = 300.0


class Command(MigrateSchemasCommand):
    help = (
        "Migrate the public schema (--shared), every tenant schema (--tenant) or one (--schema NAME). "
        "Schemas already current are skipped after one catalog query; runs hold an advisory lock; "
        "a failed schema is named and the exit code is non-zero; running again resumes."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        inherited = parser._option_string_actions
        inherited[
            "--plan"
        ].help = (
            "Apply nothing; list per schema the migrations that would run. Exit 0 when nothing is pending, 1 otherwise."
        )
        inherited["--parallel"].help = "Migrate up to N schemas at once, each worker on its own connection (default 1)."
        inherited[
            "--executor"
        ].help = "Use plain django-tenants with this executor (standard|multiprocessing|subprocess), not the fast path."
        parser.add_argument("--report", metavar="FILE", help="Write a JSON report of the run, per schema, to FILE.")
        parser.add_argument(
            "--lock-timeout",
            type=float,
            default=DEFAULT_LOCK_TIMEOUT,
            metavar="SECONDS",
            help=f"How long to wait for another run's migration lock (default {DEFAULT_LOCK_TIMEOUT:.0f}).",
        )
        parser.add_argument("--fail-fast", action="store_true", help="Start no further schema after the first failure.")
        parser.add_argument(
            "--stage",
            choices=STAGES,
            default=ALL,
            help="pre: only expand migrations, safe while the previous release runs (before the deploy); "
            "post: everything still pending, contract steps included (after the deploy is validated); "
            "all (default): everything, as plain migrate.",
        )
        parser.add_argument(
            "--ddl-lock-timeout",
            type=float,
            metavar="SECONDS",
            help="How long one DDL statement waits for its table lock before the schema is retried "
            "(default: settings.MIGRATION_DDL_LOCK_TIMEOUT).",
        )
        parser.add_argument(
            "--statement-timeout",
            type=float,
            metavar="SECONDS",
            help="Longest any migration statement may run, 0 = no limit "
            "(default: settings.MIGRATION_STATEMENT_TIMEOUT).",
        )
        parser.add_argument(
            "--ddl-retries",
            type=int,
            metavar="N",
            help="Further attempts for a schema whose table lock was not granted, with doubling backoff "
            "(default: settings.MIGRATION_DDL_RETRIES); then it is reported lock_timeout.",
        )
        parser.add_argument(
            "--no-replay",
            action="store_false",
            dest="replay",
            help="Run Django's migrate in every schema behind, also for schema-only migrations "
            "(by default those are migrated by Django in one schema and their SQL replayed in the others).",
        )

    def _plain_django_tenants(self, options) -> bool:
        return bool(
            options.get("executor")
            or options.get("app_label")
            or options.get("migration_name")
            or options.get("prune")
            or options.get("run_syncdb")
            or has_multi_type_tenants()
        )

    def handle(self, *args, **options):
        if self._plain_django_tenants(options):
            if options.get("stage", ALL) == PRE:
                raise CommandError("--stage pre cannot be combined with a target migration, --executor or --prune.")
            if not (options["plan"] or options["check_unapplied"]):
                fleet_state_forget(if_migrated=True)  # a target may unapply: /readyz must not trust the old record
            return super().handle(*args, **options)
        SyncCommon.handle(self, *args, **options)

        database = options["database"]
        verbosity = int(options["verbosity"])
        plan_only = bool(options["plan"] or options["check_unapplied"])
        parallel = 1 if options["parallel"] is None else options["parallel"]
        if parallel < 1:
            raise CommandError("--parallel must be 1 or more.")
        public = get_public_schema_name()
        in_transaction = connections[database].in_atomic_block
        if in_transaction:
            parallel = 1  # workers on other connections could not see this transaction's schemas

        scopes: list[tuple[str, list[str] | None]] = []
        if self.sync_public:
            scopes.append(("shared", None))
        if self.sync_tenant and self.schema_name != public:
            if self.schema_name:
                if not schema_exists(self.schema_name, database):
                    raise CommandError(f"Schema {self.schema_name!r} does not exist.")
                scopes.append(("tenant", [self.schema_name]))
            else:
                scopes.append(("tenant", None))
        # Provisioning (django-tenants' create_schema) migrates a schema its own transaction has
        # just created: nobody else can see it, so there is nothing to lock against, and a failure
        # must raise so that the provisioning transaction rolls back.
        provisioning = in_transaction and bool(self.schema_name)
        stage = options.get("stage") or ALL
        if options.get("ddl_retries") is not None and options["ddl_retries"] < 0:
            raise CommandError("--ddl-retries must be 0 or more.")
        if options.get("ddl_lock_timeout") is not None and options["ddl_lock_timeout"] <= 0:
            raise CommandError("--ddl-lock-timeout must be more than 0 seconds.")
        if options.get("statement_timeout") is not None and options["statement_timeout"] < 0:
            raise CommandError("--statement-timeout must be 0 (no limit) or more seconds.")
        policy = None
        if not provisioning:
            policy = DDLPolicy.from_settings(
                lock_timeout=options.get("ddl_lock_timeout"),
                statement_timeout=options.get("statement_timeout"),
                retries=options.get("ddl_retries"),
            )

        write_lock = threading.Lock()

        def progress(line: str) -> None:
            if verbosity >= 1:
                with write_lock:
                    self.stdout.write(f"migrate_schemas: {line}")

        def output(text: str) -> None:
            with write_lock:
                self.stdout.write(text)

        migrate_options = {
            "interactive": False,
            "verbosity": max(verbosity - 1, 0),
            "fake": options["fake"],
            "fake_initial": options["fake_initial"],
            "skip_checks": True,
            "no_color": options.get("no_color", False),
        }
        runs: list[FleetRun] = []
        started, started_at = time.perf_counter(), clock.now()
        status, error = "ok", None
        try:
            if plan_only or provisioning:
                lock = nullcontext()
            else:
                lock = migration_lock(
                    timeout=options["lock_timeout"],
                    alias=database,
                    on_wait=lambda pid: progress(
                        f"waiting up to {options['lock_timeout']:.0f}s for the migration lock "
                        f"(held by PostgreSQL backend pid {pid})"
                    ),
                )
            with lock:
                for scope, schemas in scopes:
                    # /readyz trusts one fleet record: forget it while schemas change, record once all are current.
                    fleet_wide = scope == "tenant" and schemas is None and not (plan_only or provisioning)
                    last_tenant_id = fleet_state_forget() if fleet_wide else 0
                    run = run_fleet(
                        scope=scope,
                        schemas=schemas,
                        migrate_options=migrate_options,
                        parallel=parallel,
                        plan_only=plan_only,
                        fail_fast=options["fail_fast"],
                        raise_errors=provisioning,
                        replay=options["replay"],
                        alias=database,
                        progress=progress,
                        output=output if verbosity >= 2 else None,
                        stage=stage,
                        policy=policy,
                    )
                    runs.append(run)
                    if run.failed:
                        status, error = "failed", _failure_message(run)
                        break  # tenants are not migrated over a public schema that failed
                    if run.count(PENDING):
                        status = "pending"
                    if fleet_wide:
                        fleet_state_record(behind=0, last_tenant_id=last_tenant_id)
                # New tenants are cloned from the template schema: keep it at the state just reached.
                # Not after a pre stage: the release still running clones it, and it must not get
                # contract steps (the new release refreshes it when it first provisions a tenant).
                refresh_template = status == "ok" and not (plan_only or provisioning) and stage != PRE
                if refresh_template and self.sync_tenant and not self.schema_name and template_refresh():
                    progress(f"tenant template {template_schema_name()} migrated to the current state")
        except MigrationLockTimeout as exc:
            status, error = "lock_timeout", str(exc)
        except DatabaseError as exc:
            if provisioning:
                raise
            # Cannot connect, lost the connection, no tenant table...: one line, no traceback.
            status, error = "failed", f"Database error: {' '.join(str(exc).split())}"
        finally:
            if options["report"]:
                _write_report(
                    options["report"],
                    stage=stage,
                    status=status,
                    error=error,
                    started_at=started_at,
                    duration=time.perf_counter() - started,
                    runs=runs,
                )
        if error:
            raise CommandError(error)
        if status == "pending":
            raise SystemExit(1)


def _failure_message(run: FleetRun) -> str:
    failed = run.failed
    first = failed[0]
    more = f" (and {len(failed) - 1} more: {', '.join(r.schema for r in failed[1:6])})" if len(failed) > 1 else ""
    not_run = f"; {run.count(NOT_RUN)} not started" if run.count(NOT_RUN) else ""
    locked = run.count(LOCK_TIMEOUT)
    how = f"failed ({locked} never granted a table lock)" if locked and locked < len(failed) else "failed"
    if locked == len(failed):
        how = f"never got a table lock after {first.attempts} attempt(s)"
    return (
        f"{len(failed)} of {run.schemas_total} {run.scope} schema(s) {how}{not_run}. "
        f"{first.schema}: {first.error}{more}. Migrations already applied stay applied; "
        "fix the cause (or wait for the blocking transaction to end) and run again to continue "
        "with the schemas still behind."
    )


def _write_report(path: str, *, stage: str, status: str, error: str | None, started_at, duration: float, runs) -> None:
    report = {
        "command": "migrate_schemas",
        "stage": stage,
        "status": status,
        "error": error,
        "started_at": started_at.isoformat(timespec="seconds"),
        "duration": round(duration, 4),
        "failed": [result.schema for run in runs for result in run.results if result.status == FAILED],
        "lock_timeout": [result.schema for run in runs for result in run.results if result.status == LOCK_TIMEOUT],
        # Which of the migrations named below are contract steps (they wait for the post stage).
        "post_stage_migrations": sorted(
            {key for run in runs for result in run.results for key in result.migrations + result.deferred}
            & post_deploy_keys()
        ),
        "runs": [run.as_dict() for run in runs],
    }
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(report, indent=2) + "\n")
