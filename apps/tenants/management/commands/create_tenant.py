"""Provision a tenant: schema, primary domain and owner membership, in one transaction; the owner is
mailed a set-password link. Idempotent: the same arguments again report "exists" and exit 0."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.tenants.selectors import tenant_create_differences
from apps.tenants.services import tenant_create
from apps.tenants.validators import validate_schema_name
from backend.dns import verification_name
from backend.exceptions import ApplicationError

# Mail that never leaves the machine: the operator gets the owner's link on the terminal instead.
CONSOLE_BACKENDS = (
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
)


class Command(BaseCommand):
    help = "Create a tenant with its schema, primary domain and owner membership."

    def add_arguments(self, parser):
        parser.add_argument("--schema", required=True, help="Schema name, e.g. acme.")
        parser.add_argument("--name", required=True, help="Company name, e.g. 'Acme Meats'.")
        parser.add_argument("--domain", required=True, help="Primary host, e.g. acme.localhost.")
        parser.add_argument("--owner-email", required=True, help="E-mail of the tenant's owner.")
        parser.add_argument(
            "--plan", default="", help="starter, business or enterprise (default: business); quotas and features."
        )
        parser.add_argument("--no-input", "--noinput", action="store_true", help="Never prompt (CI).")

    def handle(self, *args, **options):
        try:
            validate_schema_name(options["schema"])  # never compare against public or a reserved name
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        differences = tenant_create_differences(
            schema_name=options["schema"],
            name=options["name"],
            domain=options["domain"],
            owner_email=options["owner_email"],
            plan=options["plan"],
        )
        if differences == []:
            self.stdout.write(f"Tenant {options['schema']} exists with these settings; nothing to do.")
            return
        if differences:
            raise CommandError(
                f"A tenant with schema {options['schema']!r} already exists with a different {', '.join(differences)}."
            )
        try:
            tenant = tenant_create(
                schema_name=options["schema"],
                name=options["name"],
                domain=options["domain"],
                owner_email=options["owner_email"],
                plan=options["plan"],
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        how = tenant.provisioning
        detail = f"{how.method}, {how.seconds:.2f}s" + (f"; template unavailable: {how.note}" if how.note else "")
        self.stdout.write(
            f"Created tenant {tenant.name!r} (schema {tenant.schema_name}) on {options['domain']} ({detail})."
        )
        if tenant.owner_link and settings.EMAIL_BACKEND in CONSOLE_BACKENDS:
            self.stdout.write(f"Owner {options['owner_email']} chooses a password at: {tenant.owner_link}")
        elif tenant.owner_notified:
            self.stdout.write(f"Mailed the owner {options['owner_email']}.")
        else:
            self.stdout.write(
                f"The owner was not mailed: no verified {settings.BASE_DOMAIN} address yet. They can use "
                "'Forgot password' once the tenant is served."
            )
        domain = tenant.domains.get(is_primary=True)
        if not domain.is_verified:
            self.stdout.write(
                f"{domain.domain} is not served until verified: publish the TXT record "
                f"{verification_name(domain.domain)} = {domain.verification_token}, then verify it at "
                "/settings/domains/ or tick 'is verified' in admin."
            )
