"""Back up one tenant completely: schema, public rows and files, in one encrypted, signed bundle."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import get_public_schema_name

from apps.backups.bundles import bundle_create
from apps.backups.models import Backup
from apps.backups.schedule import tenant_backup_store
from apps.tenants.models import Client
from backend.backups import BackupError


class Command(BaseCommand):
    help = (
        "Write FILE: the tenant's schema (pg_dump), its rows in public (settings, domains, members) and its "
        "files, encrypted under ENCRYPTION_MASTER_KEYS, with a manifest signed by BACKUP_SIGNING_KEY."
    )

    def add_arguments(self, parser):
        parser.add_argument("--schema", required=True, help="The tenant's schema name.")
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--output", help="Bundle file to write, e.g. acme.pmbk.")
        target.add_argument("--store", action="store_true", help="Store in the backups storage (tier manual).")

    def handle(self, *args, **options):
        schema = options["schema"]
        tenant = Client.objects.filter(schema_name=schema).first()
        if schema == get_public_schema_name() or tenant is None:
            raise CommandError(f"No tenant with schema {schema!r}.")
        if options["store"]:
            try:
                backup = tenant_backup_store(tenant=tenant, tier=Backup.Tier.MANUAL)
            except BackupError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"Stored {backup.storage_name} ({backup.tables} tables, {backup.files} files).")
            return
        output = Path(options["output"])
        if output.exists():
            raise CommandError(f"{output} already exists; refusing to overwrite it.")
        try:
            result = bundle_create(tenant=tenant, output=output)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Backed up tenant {schema} to {result.output} ({result.tables} tables, {result.rows} rows, "
            f"{result.files} files, {result.size_bytes} bytes, encrypted)."
        )
