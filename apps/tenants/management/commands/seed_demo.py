"""Seed the demo world (tenants acme and globex with a user per role). Development only; idempotent."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.accounts.models import Membership
from apps.accounts.services import membership_ensure, user_ensure
from apps.compliance.demo import seed_demo_compliance
from apps.partners.demo import seed_demo_partners
from apps.reports.demo import seed_demo_orders
from apps.tenants.models import Client
from apps.tenants.services import tenant_create
from backend.provisioning import template_prepare

DEMO_PASSWORD = "projectmeats-demo"
DEMO_TENANTS = [
    ("acme", "Acme Meats", "#b91c1c", "#1d4ed8"),
    ("globex", "Globex Protein Co.", "#047857", "#7c3aed"),
]
ROLES = [
    Membership.Role.OWNER,
    Membership.Role.ADMIN,
    Membership.Role.MANAGER,
    Membership.Role.STAFF,
    Membership.Role.VIEWER,
]
OUTSIDER_EMAIL = "outsider@example.com"


class Command(BaseCommand):
    help = "Create the demo tenants and users (development settings only). Safe to re-run."

    def handle(self, *args, **options):
        if not getattr(settings, "SEED_DEMO_ALLOWED", False):
            raise CommandError("seed_demo only runs with development or test settings (SEED_DEMO_ALLOWED).")
        template_prepare()  # refresh the tenant template outside the per-tenant transactions
        for schema, name, primary, secondary in DEMO_TENANTS:
            self._seed_tenant(schema, name, primary, secondary)
        user_ensure(email=OUTSIDER_EMAIL, password=DEMO_PASSWORD, full_name="Olive Outsider")
        self.stdout.write(f"Demo ready. Sign in with any demo e-mail and the password {DEMO_PASSWORD!r}.")

    @transaction.atomic
    def _seed_tenant(self, schema: str, name: str, primary: str, secondary: str) -> None:
        domain = f"{schema}.{settings.BASE_DOMAIN}"
        tenant = Client.objects.filter(schema_name=schema).first()
        if tenant is None:
            tenant = tenant_create(schema_name=schema, name=name, domain=domain, owner_email=f"owner@{schema}.example")
            tenant.primary_color, tenant.secondary_color = primary, secondary
            tenant.save(update_fields=["primary_color", "secondary_color"])
            self.stdout.write(f"Created tenant {name} at http://{domain}:8000/")
        else:
            self.stdout.write(f"Tenant {name} exists at http://{domain}:8000/")
        for role in ROLES:
            email = f"{role}@{schema}.example"
            user = user_ensure(email=email, password=DEMO_PASSWORD, full_name=f"{role.label} of {name}")
            if not user.has_usable_password():
                # The owner was created by tenant_create without a password; demo users all share one.
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            membership_ensure(user=user, tenant=tenant, role=role)
        seed_demo_partners(tenant=tenant, owner_email=f"owner@{schema}.example")
        seed_demo_compliance(
            tenant=tenant, owner_email=f"owner@{schema}.example", staff_email=f"staff@{schema}.example"
        )
        seed_demo_orders(tenant=tenant, owner_email=f"owner@{schema}.example")
