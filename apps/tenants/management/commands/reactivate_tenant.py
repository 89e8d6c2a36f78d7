"""Lift a tenant's suspension from the command line: the admin action's service, audited in public."""

from django.core.management.base import BaseCommand, CommandError

from apps.tenants.services import tenant_reactivate
from backend.exceptions import ApplicationError

from ._tenant_lookup import tenant_by_schema


class Command(BaseCommand):
    help = "Reactivate a suspended tenant."

    def add_arguments(self, parser):
        parser.add_argument("--schema", required=True, help="The tenant's schema name, e.g. acme.")

    def handle(self, *args, **options):
        tenant = tenant_by_schema(options["schema"])
        try:
            tenant = tenant_reactivate(tenant=tenant, actor=None)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"Reactivated {tenant.name} ({tenant.schema_name}).")
