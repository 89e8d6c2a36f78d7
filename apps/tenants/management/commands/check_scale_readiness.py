"""`check_scale_readiness`: what would break under Citus schema-based sharding or a transaction pooler."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_exists

from apps.tenants import scale_readiness
from backend.provisioning import template_schema_name
from backend.scale_readiness import CODES, unused_patterns


class Command(BaseCommand):
    help = (
        "Inspect models, source and the live catalog (the tenant template, or --schema) for hazards under Citus "
        "schema-based sharding and transaction pooling. One line per finding; accepted findings "
        "(apps/tenants/scale_readiness.ACCEPTED) carry their reason. Exit 1 when a blocking finding exists."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--schema",
            action="append",
            metavar="NAME",
            help="Inspect this tenant-shaped schema instead of the tenant template (repeatable).",
        )

    def handle(self, *args, **options):
        schemas = options["schema"] or [template_schema_name()]
        missing = [name for name in schemas if not schema_exists(name)]
        if missing:
            raise CommandError(
                f"No such schema: {', '.join(missing)} (the tenant template is made by migrate_schemas --tenant)."
            )
        verdicts = scale_readiness.inspect(tenant_schemas=schemas)
        for verdict in verdicts:
            self.stdout.write(verdict.line())
        for pattern in unused_patterns(verdicts, scale_readiness.ACCEPTED):
            self.stdout.write(f"unused accepted pattern {pattern} (nothing matches it any more: delete it)")
        blocking = [verdict for verdict in verdicts if verdict.blocking]
        codes = sorted({verdict.finding.code for verdict in blocking})
        self.stdout.write(
            f"check_scale_readiness: {len(verdicts)} finding(s), {len(blocking)} blocking, "
            f"{len(verdicts) - len(blocking)} accepted"
        )
        if blocking:
            raise CommandError(
                f"{len(blocking)} blocking finding(s): " + "; ".join(f"{code} = {CODES[code]}" for code in codes)
            )
