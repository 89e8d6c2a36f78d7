"""Restore drill: restore a backup into a scratch database and verify it against its manifest."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.backups.drill import DrillFailed, bundle_drill
from apps.backups.models import Backup
from apps.backups.tasks import restore_drills_run


class Command(BaseCommand):
    help = (
        "Without --input: the nightly drill now (latest whole-database backup and the latest backups of the "
        "tenants verified longest ago). With --input FILE: drill that bundle (--database for a whole-database "
        "one). Each drill is recorded; exit 1 with one line if any did not verify."
    )

    def add_arguments(self, parser):
        parser.add_argument("--input", default="", help="A bundle file to drill instead of the stored backups.")
        parser.add_argument("--database", action="store_true", help="The --input bundle is a whole-database one.")

    def handle(self, *args, **options):
        if options["input"]:
            kind = Backup.Kind.DATABASE if options["database"] else Backup.Kind.TENANT
            try:
                drill = bundle_drill(source=Path(options["input"]), kind=kind)
            except DrillFailed as exc:
                raise CommandError(f"Restore drill failed: {exc}") from None
            self.stdout.write(
                f"Restore drill verified {drill.schema_name or 'the database'}: {drill.tables} tables, "
                f"{drill.rows} rows, {drill.files} files."
            )
            return
        verified, failures = restore_drills_run()
        if failures:
            raise CommandError(f"{len(failures)} restore drill(s) failed; first: {failures[0]}")
        self.stdout.write(f"Restore drills: {verified} verified.")
