"""Fill in `settled_on` for claims settled before the column existed, tenant by tenant (safe to re-run)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import get_public_schema_name, tenant_context

from apps.claims.services import claim_settled_on_backfill
from apps.tenants.models import Client


class Command(BaseCommand):
    help = "Backfill claim.settled_on from the claims' credits in every tenant (or --schema), in small batches."

    def add_arguments(self, parser):
        parser.add_argument("--schema", help="Only this tenant schema.")
        parser.add_argument("--batch-size", type=int, default=500, help="Rows per transaction (default 500).")

    def handle(self, *args, schema=None, batch_size=500, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be 1 or more.")
        tenants = Client.objects.exclude(schema_name=get_public_schema_name())
        if schema:
            tenants = tenants.filter(schema_name=schema)
            if not tenants.exists():
                raise CommandError(f"No tenant with schema {schema!r}.")
        total = 0
        for tenant in tenants.order_by("schema_name"):
            with tenant_context(tenant):
                filled = claim_settled_on_backfill(batch_size=batch_size)
            total += filled
            self.stdout.write(f"{tenant.schema_name}: {filled} claim(s) backfilled")
        self.stdout.write(self.style.SUCCESS(f"{total} claim(s) backfilled"))
