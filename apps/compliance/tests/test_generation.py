"""The nightly job: tasks up to the horizon, no duplicates on re-run, rotation order, tenant calendar."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django_tenants.utils import tenant_context

from apps.compliance.models import ComplianceTask
from apps.compliance.services import compliance_tasks_generate
from apps.compliance.tests.factories import ComplianceItemFactory
from backend.clock import tenant_today

D = datetime.date
NY = zoneinfo.ZoneInfo("America/New_York")


def _dues(item):
    return list(item.tasks.order_by("due_date").values_list("due_date", flat=True))


@time_machine.travel(datetime.datetime(2027, 1, 10, 12, tzinfo=datetime.UTC), tick=False)
def test_job_creates_tasks_up_to_the_horizon_and_a_rerun_adds_nothing(tenant_a, in_memory_queue):
    with tenant_context(tenant_a.tenant):
        item = ComplianceItemFactory(
            starts_on=D(2027, 1, 31), recurrence="FREQ=MONTHLY;BYMONTHDAY=28,29,30,31;BYSETPOS=-1"
        )
        assert compliance_tasks_generate(today=D(2027, 1, 10), horizon_days=60) == 2
        assert compliance_tasks_generate(today=D(2027, 1, 10), horizon_days=60) == 0
        assert _dues(item) == [D(2027, 1, 31), D(2027, 2, 28)]
        task = item.tasks.first()
        assert (task.name, task.lead_time_days, task.remind_on) == (item.name, 14, D(2027, 1, 17))


@time_machine.travel(datetime.datetime(2028, 1, 10, 12, tzinfo=datetime.UTC), tick=False)
def test_leap_year_month_end_task_is_on_february_29(tenant_a):
    with tenant_context(tenant_a.tenant):
        item = ComplianceItemFactory(
            starts_on=D(2028, 1, 31), recurrence="FREQ=MONTHLY;BYMONTHDAY=28,29,30,31;BYSETPOS=-1"
        )
        compliance_tasks_generate(horizon_days=60)
        assert _dues(item) == [D(2028, 1, 31), D(2028, 2, 29)]


def test_generation_does_not_backfill_occurrences_before_the_item_existed(tenant_a):
    with (
        time_machine.travel(datetime.datetime(2027, 6, 15, 12, tzinfo=datetime.UTC), tick=False),
        tenant_context(tenant_a.tenant),
    ):
        item = ComplianceItemFactory(starts_on=D(2027, 1, 1), recurrence="FREQ=MONTHLY")
        compliance_tasks_generate(horizon_days=30)
        assert _dues(item) == [D(2027, 7, 1)]


def test_rotation_gives_each_occurrence_to_the_next_person_and_wraps(tenant_a):
    people = [tenant_a.staff.pk, tenant_a.manager.pk, tenant_a.viewer.pk]
    with (
        time_machine.travel(datetime.datetime(2027, 1, 1, 12, tzinfo=datetime.UTC), tick=False),
        tenant_context(tenant_a.tenant),
    ):
        item = ComplianceItemFactory(starts_on=D(2027, 1, 4), recurrence="FREQ=WEEKLY", rotation=people)
        compliance_tasks_generate(horizon_days=20)  # Jan 4, 11, 18
    with (
        time_machine.travel(datetime.datetime(2027, 1, 20, 12, tzinfo=datetime.UTC), tick=False),
        tenant_context(tenant_a.tenant),
    ):
        compliance_tasks_generate(horizon_days=20)  # adds Jan 25, Feb 1, Feb 8
        assignees = list(item.tasks.order_by("due_date").values_list("assignee_id", flat=True))
    assert assignees == people + people


def test_without_rotation_tasks_go_to_the_owner(tenant_a):
    with tenant_context(tenant_a.tenant):
        item = ComplianceItemFactory(starts_on=tenant_today(), owner_id=tenant_a.staff.pk)
        compliance_tasks_generate(horizon_days=5)
        assert list(item.tasks.values_list("assignee_id", flat=True)) == [tenant_a.staff.pk]


def test_archived_items_generate_nothing(tenant_a):
    with tenant_context(tenant_a.tenant):
        item = ComplianceItemFactory(starts_on=tenant_today(), is_archived=True)
        assert compliance_tasks_generate(horizon_days=30) == 0
        assert not item.tasks.exists()


def test_weekly_dates_keep_their_weekday_across_the_dst_change_in_the_tenant_zone(new_york):
    # 2027-03-14: New York springs forward. Frozen just before local midnight on Saturday the 13th (already
    # Sunday in UTC): "today" is the tenant's Saturday, so the horizon ends a day earlier than in UTC.
    moment = datetime.datetime(2027, 3, 13, 23, 30, tzinfo=NY)
    with time_machine.travel(moment, tick=False), tenant_context(new_york.tenant):
        item = ComplianceItemFactory(starts_on=D(2027, 3, 6), recurrence="FREQ=WEEKLY")
        compliance_tasks_generate(horizon_days=14)
        assert _dues(item) == [D(2027, 3, 13), D(2027, 3, 20), D(2027, 3, 27)]
        assert item.tasks.get(due_date=D(2027, 3, 13)).rag() == "amber"
    with time_machine.travel(moment + datetime.timedelta(hours=1), tick=False), tenant_context(new_york.tenant):
        assert ComplianceTask.objects.get(item=item, due_date=D(2027, 3, 13)).rag() == "red"


def test_command_runs_in_every_tenant_and_is_idempotent(tenant_a, tenant_b, in_memory_queue, capsys):
    with tenant_context(tenant_a.tenant):
        ComplianceItemFactory(starts_on=tenant_today() + datetime.timedelta(days=3))
    with tenant_context(tenant_b.tenant):
        ComplianceItemFactory(starts_on=tenant_today() + datetime.timedelta(days=4))
    call_command("generate_compliance_tasks", "--horizon-days=30")
    call_command("generate_compliance_tasks", "--horizon-days=30")
    for world in (tenant_a, tenant_b):
        with tenant_context(world.tenant):
            assert ComplianceTask.objects.count() == 1
    names = sorted(job["task_name"] for job in in_memory_queue.jobs.values())
    assert names.count("compliance.send_due_reminders") == 4
    assert "alpha: 0 task(s) created" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--schema=nope"], "No active tenant"), (["--today=2027-02-30"], "--today"), (["--horizon-days=-1"], "horizon")],
)
def test_command_refuses_bad_arguments_in_one_line(world, db, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("generate_compliance_tasks", *args)


def test_generated_tasks_queue_their_assignment_reminder(tenant_a, in_memory_queue, django_capture_on_commit_callbacks):
    with tenant_context(tenant_a.tenant), django_capture_on_commit_callbacks(execute=True):
        ComplianceItemFactory(starts_on=tenant_today(), owner_id=tenant_a.staff.pk)
        compliance_tasks_generate(horizon_days=5)
    (job,) = in_memory_queue.jobs.values()
    assert (job["task_name"], job["args"]["kind"]) == ("compliance.send_task_reminder", "assigned")


def test_nightly_periodic_task_runs_the_command_for_every_tenant(tenant_a, tenant_b, in_memory_queue):
    from apps.compliance.tasks import nightly

    with tenant_context(tenant_b.tenant):
        item = ComplianceItemFactory(starts_on=tenant_today() + datetime.timedelta(days=1))
    nightly(timestamp=0)
    with tenant_context(tenant_b.tenant):
        assert item.tasks.count() == 1
