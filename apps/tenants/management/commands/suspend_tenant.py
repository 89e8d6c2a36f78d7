"""Suspend a tenant from the command line: the admin action's service, audited in the public log."""

from django.core.management.base import BaseCommand, CommandError

from apps.tenants.services import tenant_suspend
from backend.exceptions import ApplicationError

from ._tenant_lookup import tenant_by_schema


class Command(BaseCommand):
    help = "Suspend a tenant: every page and API call on its hosts answers 423 until reactivate_tenant."

    def add_arguments(self, parser):
        parser.add_argument("--schema", required=True, help="The tenant's schema name, e.g. acme.")
        parser.add_argument("--reason", required=True, help="Why (kept on the tenant and in the audit log).")

    def handle(self, *args, **options):
        tenant = tenant_by_schema(options["schema"])
        try:
            tenant = tenant_suspend(tenant=tenant, reason=options["reason"], actor=None)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"Suspended {tenant.name} ({tenant.schema_name}): {tenant.suspended_reason}")
