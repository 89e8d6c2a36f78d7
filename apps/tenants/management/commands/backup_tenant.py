"""Back up one tenant schema: pg_dump (custom format) plus a manifest of row counts and checksums."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import get_public_schema_name

from apps.tenants.selectors import tenant_exists
from backend.backups import BackupError, backup_schema


class Command(BaseCommand):
    help = "Dump one tenant's schema to FILE (pg_dump custom format) and write FILE.manifest.json beside it."

    def add_arguments(self, parser):
        parser.add_argument("--schema", required=True, help="The tenant's schema name.")
        parser.add_argument("--output", required=True, help="Dump file to write, e.g. acme.dump.")

    def handle(self, *args, **options):
        schema = options["schema"]
        if schema == get_public_schema_name() or not tenant_exists(schema_name=schema):
            raise CommandError(f"No tenant with schema {schema!r}.")
        output = Path(options["output"])
        if output.exists():
            raise CommandError(f"{output} already exists; refusing to overwrite it.")
        try:
            result = backup_schema(schema=schema, output=output)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Backed up schema {schema} to {result.output} ({result.tables} tables, {result.rows} rows); "
            f"manifest {result.manifest}."
        )
