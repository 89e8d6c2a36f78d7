"""Restore a backup_tenant bundle as a new tenant, or in place (--replace), verified against its manifest."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from apps.backups.restore import tenant_restore, tenant_restore_replace
from backend.exceptions import ApplicationError


class Command(BaseCommand):
    help = (
        "Restore FILE (made by backup_tenant). As a NEW tenant: --schema, --domain (and optionally --name, "
        "--owner-email). In place: --replace --schema (the tenant the bundle was taken from; asks for confirmation "
        "unless --no-input). Row counts and checksums of every table and file must match, else nothing changes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, help="Bundle written by backup_tenant.")
        parser.add_argument(
            "--schema", default="", help="New schema name (must not exist); with --replace, the tenant to restore."
        )
        parser.add_argument("--name", default="", help="Name of the restored tenant (default: the backup's).")
        parser.add_argument("--domain", default="", help="Primary host of the new tenant.")
        parser.add_argument("--owner-email", default="", help="Optional: give this user the owner role too.")
        parser.add_argument("--replace", action="store_true", help="Restore over the tenant the backup is of.")
        parser.add_argument("--no-input", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, **options):
        try:
            if options["replace"]:
                result = self._replace(options)
                self.stdout.write(
                    f"Restored tenant {result.tenant.schema_name} in place ({result.tables} tables, {result.rows} "
                    f"rows, {result.files} files verified; {result.members} members)."
                )
                for note in result.notes:
                    self.stdout.write(f"Note: {note}.")
                return
            if not options["schema"] or not options["domain"]:
                raise CommandError("Give --schema and --domain for a new tenant, or --replace to restore in place.")
            result = tenant_restore(
                dump=Path(options["input"]),
                schema_name=options["schema"],
                name=options["name"],
                domain=options["domain"],
                owner_email=options["owner_email"],
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        except DatabaseError as exc:
            raise CommandError(f"Restore failed: {(str(exc).strip().splitlines() or ['database error'])[0]}") from None
        self.stdout.write(
            f"Restored schema {result.source_schema} as {result.tenant.schema_name} ({result.tables} tables, "
            f"{result.rows} rows, {result.files} files verified; {result.members} members) on {options['domain']}."
        )

    def _replace(self, options):
        schema = options["schema"]
        if not schema:
            raise CommandError("Give --schema: the tenant to restore in place (the one the backup is of).")
        if not options["no_input"]:
            answer = input(
                f"This replaces every table, file, domain and membership of tenant {schema!r} with the backup's.\n"
                "Type the schema name to continue: "
            )
            if answer.strip() != schema:
                raise CommandError("Restore cancelled.")
        return tenant_restore_replace(dump=Path(options["input"]), schema_name=schema)
