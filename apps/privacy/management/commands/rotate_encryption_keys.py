"""Rotate encryption keys (see apps.privacy.rotation): --master re-wraps, --data adds a data key and re-encrypts."""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django_tenants.utils import get_public_schema_name

from apps.tenants.models import Client
from backend.crypto import EncryptionError

from ...rotation import rotate_schema


class Command(BaseCommand):
    help = (
        "Rotate encryption keys in every schema (or --schema S): --master re-wraps the data keys under the "
        "first ENCRYPTION_MASTER_KEYS entry; --data adds a new data key and re-encrypts the rows under older "
        "ones. Safe to run while the application serves; safe to re-run."
    )

    def add_arguments(self, parser):
        parser.add_argument("--master", action="store_true", help="Re-wrap data keys under the current master key.")
        parser.add_argument("--data", action="store_true", help="New data key per schema, rows re-encrypted.")
        parser.add_argument("--schema", default="", help="Only this schema (a tenant's, or public).")

    def handle(self, *args, **options):
        if not (options["master"] or options["data"]):
            raise CommandError("Say what to rotate: --master, --data or both.")
        schemas = [
            get_public_schema_name(),
            *Client.objects.exclude(schema_name=get_public_schema_name())
            .order_by("schema_name")
            .values_list("schema_name", flat=True),
        ]
        if options["schema"]:
            if options["schema"] not in schemas:
                raise CommandError(f"No tenant with schema {options['schema']!r}.")
            schemas = [options["schema"]]
        totals = [0, 0, 0]
        for schema in schemas:
            try:
                result = rotate_schema(schema, master=options["master"], data=options["data"])
            except (EncryptionError, ImproperlyConfigured, DatabaseError) as exc:
                raise CommandError(f"{schema}: {(str(exc).strip().splitlines() or ['error'])[0]}") from None
            totals[0] += result.rewrapped
            totals[1] += result.new_version is not None
            totals[2] += result.reencrypted
        self.stdout.write(
            f"{len(schemas)} schema(s): {totals[0]} key(s) re-wrapped, {totals[1]} new data key(s), "
            f"{totals[2]} row(s) re-encrypted."
        )
