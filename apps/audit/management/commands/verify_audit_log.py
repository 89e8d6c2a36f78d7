"""Recompute the audit logs' hash chains (AUD-06): `public` and every tenant, or one schema."""

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from apps.audit.chain import verify_chain
from apps.audit.selectors import audited_schemas


class Command(BaseCommand):
    help = "Verify the audit log hash chain of every schema (or --schema X); exit non-zero on the first break."

    def add_arguments(self, parser):
        parser.add_argument("--schema", help="Verify only this schema (public or a tenant's schema name).")

    def handle(self, *args, **options):
        schemas = audited_schemas()
        if options["schema"]:
            if options["schema"] not in schemas:
                raise CommandError(f"Unknown schema {options['schema']!r}: not public and no tenant uses it.")
            schemas = [options["schema"]]

        first_failure = None
        for schema in schemas:
            with schema_context(schema):
                report = verify_chain()
            if report.ok:
                pruned = f", pruned up to id {report.pruned_up_to}" if report.pruned_up_to is not None else ""
                self.stdout.write(f"{schema}: OK ({report.count} events{pruned})")
                continue
            broken = report.first_break
            self.stdout.write(f"{schema}: BROKEN at event id {broken.event_id}: {broken.problem}")
            if first_failure is None:
                first_failure = f"schema {schema}, event id {broken.event_id}: {broken.problem}"
        if first_failure is not None:
            raise CommandError(f"Audit log chain broken: {first_failure}")
