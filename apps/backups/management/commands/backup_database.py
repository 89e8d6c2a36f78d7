"""Back up the whole database (every schema) in one encrypted, signed bundle."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.backups.bundles import database_bundle_create
from apps.backups.models import Backup
from apps.backups.schedule import database_backup_store
from backend.backups import BackupError


class Command(BaseCommand):
    help = (
        "Write the whole database (pg_dump of every schema, manifest of every table's rows and checksum) to "
        "FILE, encrypted under ENCRYPTION_MASTER_KEYS and signed; or --store it in the backups storage."
    )

    def add_arguments(self, parser):
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--output", help="Bundle file to write, e.g. db.pmbk.")
        target.add_argument("--store", action="store_true", help="Store in the backups storage (tier manual).")

    def handle(self, *args, **options):
        try:
            if options["store"]:
                backup = database_backup_store(tier=Backup.Tier.MANUAL)
                self.stdout.write(f"Stored {backup.storage_name} ({backup.tables} tables, {backup.rows} rows).")
                return
            output = Path(options["output"])
            if output.exists():
                raise CommandError(f"{output} already exists; refusing to overwrite it.")
            result = database_bundle_create(output=output)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Backed up the database to {result.output} ({result.tables} tables, {result.rows} rows, "
            f"{result.size_bytes} bytes, encrypted)."
        )
