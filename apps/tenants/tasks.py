"""Tenant background jobs (procrastinate autodiscovers this module)."""

from __future__ import annotations

import contextlib
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.template.loader import render_to_string
from procrastinate.contrib.django import app
from procrastinate.exceptions import AlreadyEnqueued

from apps.accounts.models import User
from backend.jobs import tenant_task

from .models import Client
from .selectors import tenant_url

logger = logging.getLogger(__name__)


@tenant_task(name="tenants.send_welcome_email")
def send_welcome_email(*, user_id: int) -> None:
    """Welcome a new owner with the login link on their tenant's own (primary) domain.

    Plain text plus an HTML alternative in the tenant's branding: its name, colours and logo, the logo
    served from the tenant's own domain (`/branding/logo/` is open to anonymous requests).
    """
    tenant = Client.objects.get(schema_name=connection.schema_name)
    user = User.objects.get(pk=user_id)
    logo_url = ""
    if tenant.logo:
        logo_url = tenant_url(tenant=tenant, path=f"/branding/logo/?v={int(tenant.updated_at.timestamp())}")
    context = {
        "tenant": tenant,
        "user": user,
        "login_url": tenant_url(tenant=tenant, path="/login/"),
        "logo_url": logo_url,
    }
    message = EmailMultiAlternatives(
        subject=f"Welcome to ProjectMeats, {tenant.name}",
        body=render_to_string("tenants/email/welcome.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )
    message.attach_alternative(render_to_string("tenants/email/welcome.html", context), "text/html")
    message.send()


@tenant_task(name="tenants.export_tenant_data")
def export_tenant_data() -> str:
    """Offboarding export: every table as JSON plus uploaded files, zipped into `<schema>/exports/`."""
    from backend.tenant_export import build_export

    from .offboarding import tenant_export_record

    schema = connection.schema_name
    name = build_export(schema=schema)
    tenant = Client.objects.get(schema_name=schema)
    tenant_export_record(tenant=tenant, export_file=name)
    return name


# --- Platform jobs (public scope: plain procrastinate tasks, not tenant_task) ---------------------------

POOL_REFILL_LOCK = "tenants.refill_tenant_pool"


@app.task(name="tenants.refill_tenant_pool", queueing_lock=POOL_REFILL_LOCK)
def refill_tenant_pool() -> dict:
    """Keep TENANT_WARM_POOL_SIZE pre-provisioned schemas ready (backend.provisioning.pool_refill)."""
    from backend.provisioning import pool_refill

    connection.set_schema_to_public()
    result = pool_refill()
    logger.info(
        "tenant pool: %s ready of %s, %s created, %s discarded %s",
        result.available,
        result.size,
        len(result.created),
        len(result.discarded),
        result.note,
    )
    return {"available": result.available, "created": result.created, "discarded": result.discarded}


@app.periodic(cron="*/10 * * * *")
@app.task(name="tenants.refill_tenant_pool_periodic", queueing_lock=POOL_REFILL_LOCK + ".periodic")
def refill_tenant_pool_periodic(timestamp: int) -> dict:
    """Every 10 minutes: catch up after deploys (new migrations make every pooled schema stale)."""
    return refill_tenant_pool()


@app.periodic(cron="17 4 * * *")
@app.task(name="tenants.reverify_custom_domains", queueing_lock="tenants.reverify_custom_domains")
def reverify_custom_domains_daily(timestamp: int) -> dict:
    """Daily: a custom domain whose TXT record is gone stops being served (apps/tenants/domain_checks.py)."""
    from .domain_checks import custom_domains_reverify

    connection.set_schema_to_public()
    result = custom_domains_reverify()
    logger.info("custom domains: %s checked, lapsed %s, lookups failed %s", *result.values())
    return result


def pool_refill_request() -> None:
    """Queue one refill job (after a take); one queued refill at a time is enough."""
    from backend.provisioning import pool_size

    if not pool_size():
        return
    with contextlib.suppress(AlreadyEnqueued):
        refill_tenant_pool.defer()


@app.periodic(cron="45 3 * * *", periodic_id="tenants-purge-offboarded")
@app.task(name="tenants.purge_offboarded", queue="default", queueing_lock="tenants.purge_offboarded")
def purge_offboarded_daily(timestamp: int) -> None:
    """Every night: `purge_offboarded_tenants` (tenants past their grace period; dropping the schema also
    drops its encryption keys, so any copy of their encrypted values elsewhere is unreadable)."""
    from django.core.management import call_command

    call_command("purge_offboarded_tenants")
