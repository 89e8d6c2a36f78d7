"""Tenant background jobs (procrastinate autodiscovers this module)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection
from django.template.loader import render_to_string

from apps.accounts.models import User
from backend.jobs import tenant_task

from .models import Client
from .selectors import tenant_url


@tenant_task(name="tenants.send_welcome_email")
def send_welcome_email(*, user_id: int) -> None:
    """Welcome a new owner with the login link on their tenant's own (primary) domain."""
    tenant = Client.objects.get(schema_name=connection.schema_name)
    user = User.objects.get(pk=user_id)
    context = {"tenant": tenant, "user": user, "login_url": tenant_url(tenant=tenant, path="/login/")}
    send_mail(
        subject=f"Welcome to ProjectMeats, {tenant.name}",
        message=render_to_string("tenants/email/welcome.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )


@tenant_task(name="tenants.export_tenant_data")
def export_tenant_data() -> str:
    """Offboarding export: every table as JSON plus uploaded files, zipped into `<schema>/exports/`."""
    from backend.tenant_export import build_export

    from .services import tenant_export_record

    schema = connection.schema_name
    name = build_export(schema=schema)
    tenant = Client.objects.get(schema_name=schema)
    tenant_export_record(tenant=tenant, export_file=name)
    return name
