"""E-mail reminders for compliance tasks: on assignment, when the lead time starts (amber) and when a task
falls overdue (red). A TaskReminder row, unique per (task, kind), is written in the same transaction as the
send, so each kind goes out at most once per task; a failed send rolls the row back and is retried."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string

from apps.accounts.models import User
from apps.tenants.models import Client
from apps.tenants.selectors import tenant_url
from backend.clock import tenant_today

from .models import ComplianceTask, Rag, TaskReminder
from .selectors import OPEN_STATUSES, rag_filter, tenant_members

Kind = TaskReminder.Kind
SUBJECTS = {Kind.ASSIGNED: "Assigned to you", Kind.DUE_SOON: "Due soon", Kind.OVERDUE: "Overdue"}


def _applies(task: ComplianceTask, kind: str, today: datetime.date) -> bool:
    if task.is_archived or task.status not in OPEN_STATUSES or task.assignee_id is None:
        return False
    rag = task.rag(today)
    return (
        kind == Kind.ASSIGNED
        or (kind == Kind.DUE_SOON and rag == Rag.AMBER)
        or (kind == Kind.OVERDUE and rag == Rag.RED)
    )


def task_reminder_send(*, task_id: int, kind: str, today: datetime.date | None = None) -> bool:
    """Send one reminder if it applies and has not gone out yet; returns whether an e-mail was sent."""
    today = today or tenant_today()
    with transaction.atomic():
        task = ComplianceTask.objects.select_related("item").filter(pk=task_id).first()
        if task is None or not _applies(task, kind, today) or task.assignee_id not in tenant_members():
            return False
        reminder, created = TaskReminder.objects.get_or_create(
            task=task, kind=kind, defaults={"recipient_id": task.assignee_id}
        )
        if not created:
            return False
        tenant = Client.objects.get(schema_name=connection.schema_name)
        user = User.objects.get(pk=task.assignee_id)
        context = {
            "tenant": tenant,
            "user": user,
            "task": task,
            "kind": kind,
            "days_left": (task.due_date - today).days,
            "days_overdue": (today - task.due_date).days,
            "task_url": tenant_url(tenant=tenant, path=f"/compliance-tasks/{task.pk}/"),
            "mine_url": tenant_url(tenant=tenant, path="/compliance/mine/"),
        }
        send_mail(
            subject=f"[{tenant.name}] {SUBJECTS[kind]}: {task.name}",
            message=render_to_string("compliance/email/reminder.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[user.email],
        )
    return True


def due_reminders_send(*, today: datetime.date | None = None) -> int:
    """Due-soon reminders for amber tasks and overdue ones for red tasks that have not had them."""
    today = today or tenant_today()
    sent = 0
    for kind, rag in ((Kind.DUE_SOON, Rag.AMBER), (Kind.OVERDUE, Rag.RED)):
        already = TaskReminder.objects.filter(task=OuterRef("pk"), kind=kind)
        pending = (
            ComplianceTask.objects.filter(rag_filter(rag, today), is_archived=False, assignee_id__isnull=False)
            .exclude(Exists(already))
            .values_list("pk", flat=True)
        )
        for task_id in list(pending):
            sent += task_reminder_send(task_id=task_id, kind=kind, today=today)
    return sent
