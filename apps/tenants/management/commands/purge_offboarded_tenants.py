"""Drop tenants whose owners asked for deletion more than OFFBOARDING_GRACE_DAYS ago: schema and files."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.tenants.offboarding import offboarded_tenants_due, offboarding_purge_after, tenant_purge
from backend.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Permanently delete offboarded tenants whose grace period is over (schema, files, tenant, domains)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List what would be purged; change nothing.")

    def handle(self, *args, **options):
        due = offboarded_tenants_due()
        if not due:
            self.stdout.write(f"No offboarded tenant is past its {settings.OFFBOARDING_GRACE_DAYS}-day grace period.")
            return
        failures = 0
        for tenant in due:
            label = f"{tenant.schema_name} ({tenant.name}, purge after {offboarding_purge_after(tenant):%Y-%m-%d})"
            if options["dry_run"]:
                self.stdout.write(f"would purge {label}")
                continue
            try:
                summary = tenant_purge(tenant=tenant)
            except (ApplicationError, OSError) as exc:
                failures += 1
                self.stderr.write(f"{tenant.schema_name}: not purged: {getattr(exc, 'message', exc)}")
                continue
            self.stdout.write(f"purged {label}: schema dropped, {summary['files_deleted']} files deleted")
        if failures:
            raise CommandError(f"{failures} tenant(s) could not be purged; see above.")
