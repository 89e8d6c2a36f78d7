"""Compliance background jobs (procrastinate autodiscovers this module): reminders run inside their
tenant's schema; the nightly periodic job runs `generate_compliance_tasks` for every tenant."""

from __future__ import annotations

from contextlib import contextmanager

from django.core.management import call_command
from django.db import connection
from django_tenants.utils import tenant_context
from procrastinate.contrib.django import app

from apps.tenants.models import Client
from backend.jobs import tenant_task

from .reminders import due_reminders_send, task_reminder_send


@contextmanager
def _full_tenant():
    """Jobs run under a bare schema; reminders need the tenant row itself (time zone, id, name)."""
    with tenant_context(Client.objects.get(schema_name=connection.schema_name)):
        yield


@tenant_task(name="compliance.send_task_reminder")
def send_task_reminder(*, task_id: int, kind: str) -> bool:
    with _full_tenant():
        return task_reminder_send(task_id=task_id, kind=kind)


@tenant_task(name="compliance.send_due_reminders")
def send_due_reminders() -> int:
    with _full_tenant():
        return due_reminders_send()


@app.periodic(cron="15 2 * * *", periodic_id="compliance-nightly")
@app.task(name="compliance.nightly", queue="default", queueing_lock="compliance.nightly")
def nightly(timestamp: int) -> None:
    """Every night: generate upcoming tasks in every tenant and queue their due/overdue reminders."""
    call_command("generate_compliance_tasks")
