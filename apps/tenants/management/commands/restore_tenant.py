"""Restore a backup_tenant dump as a new tenant under a new schema name, verified against its manifest."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from apps.tenants.restore import tenant_restore
from backend.exceptions import ApplicationError


class Command(BaseCommand):
    help = (
        "Restore FILE (made by backup_tenant) into a NEW schema and register it as a tenant with the given "
        "name and domain. Row counts and checksums must match the manifest, else nothing is kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, help="Dump file written by backup_tenant.")
        parser.add_argument("--schema", required=True, help="New schema name (must not exist).")
        parser.add_argument("--name", required=True, help="Name of the restored tenant.")
        parser.add_argument("--domain", required=True, help="Primary host of the restored tenant.")
        parser.add_argument("--owner-email", default="", help="Optional: give this user the owner role.")

    def handle(self, *args, **options):
        try:
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
            f"{result.rows} rows verified) on {options['domain']}."
        )
