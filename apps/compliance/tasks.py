"""Compliance background jobs (procrastinate autodiscovers this module): reminders run inside their
tenant's schema; the nightly periodic job runs `generate_compliance_tasks` for every tenant."""

from __future__ import annotations

from django.core.management import call_command
from procrastinate.contrib.django import app

from backend.jobs import tenant_task

from .reminders import due_reminders_send, task_reminder_send


@tenant_task(name="compliance.send_task_reminder")
def send_task_reminder(*, task_id: int, kind: str) -> bool:
    return task_reminder_send(task_id=task_id, kind=kind)


@tenant_task(name="compliance.send_due_reminders")
def send_due_reminders() -> int:
    return due_reminders_send()


@app.periodic(cron="15 2 * * *", periodic_id="compliance-nightly")
@app.task(name="compliance.nightly", queue="default", queueing_lock="compliance.nightly")
def nightly(timestamp: int) -> None:
    """Every night: generate upcoming tasks in every tenant and queue their due/overdue reminders."""
    call_command("generate_compliance_tasks")
