"""`lint_migrations`: fail when a new migration would break the release still running (CI gate)."""

from __future__ import annotations

import logging

from django.core.management.base import BaseCommand, CommandError
from django.db.migrations.loader import MigrationLoader

from backend.migration_lint import GitHistoryMissing, base_commit, lint, migrations_added_since


class Command(BaseCommand):
    help = (
        "Check migrations for operations the previous release cannot survive (django-migration-linter, "
        "PostgreSQL, on the SQL the fleet runs). By default the migrations added since the base commit "
        "(MIGRATION_BASE_REF, else the merge base with main, else HEAD^). A migration that is incompatible "
        'on purpose carries backward_incompatible = "<why>" on its class. Exit 1 when one does not.'
    )

    def add_arguments(self, parser):
        parser.add_argument("migrations", nargs="*", metavar="app_label.name", help="Check exactly these.")
        parser.add_argument("--since", metavar="REF", help="Check the migrations added since this git ref.")

    def handle(self, *args, **options):
        logging.getLogger("django_migration_linter").setLevel(logging.WARNING)  # one line per sqlmigrate call
        keys = list(options["migrations"])
        if keys:
            known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
            unknown = [key for key in keys if "." not in key or tuple(key.split(".", 1)) not in known]
            if unknown:
                raise CommandError(f"Unknown migration(s): {', '.join(unknown)} (use app_label.migration_name).")
        else:
            try:
                base = options["since"] or base_commit()
                keys = migrations_added_since(base)
            except GitHistoryMissing as exc:
                raise CommandError(f"Cannot tell which migrations are new: {exc}") from exc
            self.stdout.write(f"lint_migrations: {len(keys)} migration(s) added since {base[:12]}")
        verdicts = lint(keys)
        blocking = [verdict for verdict in verdicts if verdict.blocking]
        for verdict in verdicts:
            if verdict.blocking:
                self.stdout.write(f"{verdict.key}: BREAKS THE RUNNING RELEASE")
            elif verdict.problems:
                self.stdout.write(f"{verdict.key}: incompatible on purpose: {verdict.reason}")
            else:
                self.stdout.write(f"{verdict.key}: OK")
            for problem in verdict.problems:
                self.stdout.write(f"    - {problem}")
        if blocking:
            raise CommandError(
                f"{len(blocking)} migration(s) would break the release still running during the deploy "
                f"({', '.join(verdict.key for verdict in blocking)}). Split the change into expand and contract "
                "steps (docs/operations.md), or, if the running release really is unaffected, add "
                'backward_incompatible = "<why>" to the Migration class.'
            )
