"""Ensure the public tenant and its domain exist (CI runs this after `migrate_schemas --shared`)."""

from django.core.management.base import BaseCommand, CommandError

from apps.tenants.services import super_tenant_ensure
from backend.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Create or update the public (super) tenant and its primary domain from settings. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--name", help="Display name (default: settings.PUBLIC_TENANT_NAME).")
        parser.add_argument("--domain", help="Public host (default: settings.BASE_DOMAIN).")
        parser.add_argument("--no-input", "--noinput", action="store_true", help="Never prompt (CI).")

    def handle(self, *args, **options):
        try:
            result = super_tenant_ensure(name=options["name"], domain=options["domain"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        domain = result.tenant.get_primary_domain()
        if result.created:
            self.stdout.write(f"Created public tenant {result.tenant.name!r} on {domain}.")
        elif result.changed:
            self.stdout.write(f"Updated public tenant: {', '.join(result.changed)} ({domain}).")
        else:
            self.stdout.write(f"Public tenant {result.tenant.name!r} on {domain} is up to date.")
