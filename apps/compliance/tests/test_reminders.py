"""E-mail reminders: on assignment, when a task turns amber and when it is overdue; one of each kind per
task, tenant-branded, linking to the tenant's own domain, sent from the job queue."""

import datetime

from django.core import mail
from django_tenants.utils import tenant_context

from apps.compliance.models import TaskReminder
from apps.compliance.reminders import due_reminders_send, task_reminder_send
from apps.compliance.services import compliancetask_create
from apps.compliance.tasks import send_due_reminders, send_task_reminder
from apps.compliance.tests.factories import ComplianceTaskFactory
from backend.clock import tenant_today

TODAY = datetime.date(2027, 5, 10)


def test_assigning_a_task_queues_one_assignment_reminder(tenant_a, in_memory_queue, django_capture_on_commit_callbacks):
    with tenant_context(tenant_a.tenant), django_capture_on_commit_callbacks(execute=True):
        task = compliancetask_create(
            user=tenant_a.staff,
            data={"name": "Renew licence", "due_date": TODAY, "assignee_id": tenant_a.viewer.pk},
        )
    (job,) = in_memory_queue.jobs.values()
    assert job["task_name"] == "compliance.send_task_reminder"
    assert job["args"] == {"schema_name": "alpha", "task_id": task.pk, "kind": "assigned"}


def test_the_job_sends_a_branded_email_with_links_on_the_tenants_domain(tenant_a):
    with tenant_context(tenant_a.tenant):
        task = ComplianceTaskFactory(name="BRC audit", assignee_id=tenant_a.staff.pk)
    assert send_task_reminder.task(schema_name="alpha", task_id=task.pk, kind="assigned") is True
    (message,) = mail.outbox
    assert message.to == [tenant_a.staff.email]
    assert message.subject == f"[{tenant_a.tenant.name}] Assigned to you: BRC audit"
    assert f"://{tenant_a.domain}/compliance-tasks/{task.pk}/" in message.body
    assert f"://{tenant_a.domain}/compliance/mine/" in message.body
    assert tenant_a.tenant.name in message.body


def test_each_kind_goes_out_at_most_once_per_task(tenant_a):
    with tenant_context(tenant_a.tenant):
        task = ComplianceTaskFactory(assignee_id=tenant_a.staff.pk, due_date=TODAY - datetime.timedelta(days=1))
        assert task_reminder_send(task_id=task.pk, kind="assigned", today=TODAY)
        assert not task_reminder_send(task_id=task.pk, kind="assigned", today=TODAY)
        assert task_reminder_send(task_id=task.pk, kind="overdue", today=TODAY)
        assert not task_reminder_send(task_id=task.pk, kind="overdue", today=TODAY)
        assert not task_reminder_send(task_id=task.pk, kind="due_soon", today=TODAY)  # red, not amber
        assert sorted(TaskReminder.objects.values_list("kind", flat=True)) == ["assigned", "overdue"]
    assert len(mail.outbox) == 2


def test_nightly_reminders_go_to_amber_and_red_tasks_once(tenant_a):
    with tenant_context(tenant_a.tenant):
        amber = ComplianceTaskFactory(assignee_id=tenant_a.staff.pk, due_date=TODAY + datetime.timedelta(days=3))
        red = ComplianceTaskFactory(assignee_id=tenant_a.manager.pk, due_date=TODAY - datetime.timedelta(days=2))
        ComplianceTaskFactory(assignee_id=tenant_a.staff.pk, due_date=TODAY + datetime.timedelta(days=60))
        ComplianceTaskFactory(assignee_id=tenant_a.staff.pk, due_date=TODAY - datetime.timedelta(days=9), status="done")
        ComplianceTaskFactory(assignee_id=None, due_date=TODAY - datetime.timedelta(days=1))
        assert due_reminders_send(today=TODAY) == 2
        assert due_reminders_send(today=TODAY) == 0
        kinds = set(TaskReminder.objects.values_list("task_id", "kind"))
    assert kinds == {(amber.pk, "due_soon"), (red.pk, "overdue")}
    subjects = sorted(message.subject for message in mail.outbox)
    assert subjects[0].endswith(f"Due soon: {amber.name}") and subjects[1].endswith(f"Overdue: {red.name}")
    assert "overdue by 2 days" in next(m.body for m in mail.outbox if "Overdue" in m.subject)


def test_due_reminder_job_runs_inside_its_tenant(tenant_a, tenant_b):
    with tenant_context(tenant_b.tenant):
        ComplianceTaskFactory(assignee_id=tenant_b.staff.pk, due_date=tenant_today() - datetime.timedelta(days=1))
    assert send_due_reminders.task(schema_name="alpha") == 0
    assert send_due_reminders.task(schema_name="beta") == 1
    assert mail.outbox[0].to == [tenant_b.staff.email]


def test_a_former_member_gets_no_reminder(tenant_a, tenant_b):
    with tenant_context(tenant_a.tenant):
        task = ComplianceTaskFactory(assignee_id=tenant_b.staff.pk)  # not a member of alpha
        assert not task_reminder_send(task_id=task.pk, kind="assigned", today=TODAY)
    assert mail.outbox == []


def test_the_assignment_job_is_queued_for_the_tasks_schema_even_if_the_commit_happens_outside_it(
    tenant_a, in_memory_queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks, tenant_context(tenant_a.tenant):
        task = ComplianceTaskFactory()
        compliancetask_create(
            user=tenant_a.staff, data={"name": "Second", "due_date": TODAY, "assignee_id": tenant_a.staff.pk}
        )
    for callback in callbacks:  # the commit: tenant_context has already been left (as in seed_demo)
        callback()
    (job,) = in_memory_queue.jobs.values()
    assert job["args"]["schema_name"] == "alpha" and job["args"]["task_id"] == task.pk + 1
