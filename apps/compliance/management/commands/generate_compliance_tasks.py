"""Create upcoming compliance tasks in every active tenant and queue its reminder job (idempotent)."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import get_public_schema_name, tenant_context

from apps.compliance.services import compliance_tasks_generate
from apps.compliance.tasks import send_due_reminders
from apps.tenants.models import Client


class Command(BaseCommand):
    help = "Generate compliance tasks up to the horizon in every active tenant (safe to re-run)."

    def add_arguments(self, parser):
        parser.add_argument("--schema", help="Only this tenant schema.")
        parser.add_argument("--horizon-days", type=int, help="Days ahead to generate (default: setting).")
        parser.add_argument("--today", help="Pretend today is YYYY-MM-DD (tenant calendar otherwise).")
        parser.add_argument("--no-reminders", action="store_true", help="Do not queue the reminder jobs.")

    def handle(self, *args, schema=None, horizon_days=None, today=None, no_reminders=False, **options):
        if horizon_days is not None and not 0 <= horizon_days <= 3660:
            raise CommandError("--horizon-days must be between 0 and 3660.")
        day = None
        if today:
            try:
                day = datetime.date.fromisoformat(today)
            except ValueError as exc:
                raise CommandError("--today must be a date like 2027-01-31.") from exc
        tenants = Client.objects.exclude(schema_name=get_public_schema_name()).filter(status=Client.Status.ACTIVE)
        if schema:
            tenants = tenants.filter(schema_name=schema)
            if not tenants.exists():
                raise CommandError(f"No active tenant with schema {schema!r}.")
        total = 0
        for tenant in tenants.order_by("schema_name"):
            with tenant_context(tenant):
                created = compliance_tasks_generate(today=day, horizon_days=horizon_days)
                if not no_reminders:
                    send_due_reminders.defer()
            total += created
            self.stdout.write(f"{tenant.schema_name}: {created} task(s) created")
        self.stdout.write(self.style.SUCCESS(f"{total} task(s) created"))
