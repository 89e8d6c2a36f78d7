"""Reads for compliance: filtersets shared by pages and API, `get_<entity>_for_user`, RAG counts, the
calendar, countdowns and the tenant's members (owners and assignees are user ids in the shared schema)."""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass

import django_filters
from django.db import connection
from django.db.models import Count, Min, Q, QuerySet

from apps.accounts.models import Membership
from apps.records.selectors import RecordFilterSet, StableOrderingFilter, record_get_for_user, record_list
from backend.clock import tenant_today

from .models import ComplianceItem, ComplianceTask, Evidence, EvidenceVersion, Rag

OPEN_STATUSES = [ComplianceTask.Status.OPEN, ComplianceTask.Status.IN_REVIEW]


def tenant_members() -> dict[int, str]:
    """Active members of the current tenant: user id → e-mail (one query)."""
    rows = Membership.objects.filter(tenant_id=connection.tenant.pk, is_active=True, user__is_active=True)
    return dict(rows.order_by("user__email").values_list("user_id", "user__email"))


def rag_filter(value: str, today: datetime.date) -> Q:
    """Open tasks of one RAG colour (or done tasks) as a Q on ComplianceTask."""
    is_open = Q(status__in=OPEN_STATUSES)
    return {
        Rag.RED: is_open & Q(due_date__lt=today),
        Rag.AMBER: is_open & Q(due_date__gte=today, remind_on__lte=today),
        Rag.GREEN: is_open & Q(remind_on__gt=today),
        Rag.DONE: Q(status=ComplianceTask.Status.DONE),
    }[value]


def member_choices() -> list[tuple[int, str]]:
    return list(tenant_members().items())


def member_filter_choices() -> list[tuple[int | str, str]]:
    """Filter dropdowns start on "All" (no blank choice silently filtered by the first member)."""
    return [("", "All"), *member_choices()]


class ComplianceItemFilter(RecordFilterSet):
    category = django_filters.ChoiceFilter(choices=ComplianceItem.Category.choices)
    # By id: partner dropdowns would cost a query each on every list render (the partner pages link here).
    supplier = django_filters.NumberFilter(field_name="supplier_id")
    plant = django_filters.NumberFilter(field_name="plant_id")
    carrier = django_filters.NumberFilter(field_name="carrier_id")
    owner = django_filters.TypedChoiceFilter(field_name="owner_id", choices=member_filter_choices, coerce=int)
    ordering = StableOrderingFilter(fields=("name", "category", "starts_on", "updated_at"))

    class Meta:
        model = ComplianceItem
        fields = ["category", "supplier", "plant", "carrier", "owner"]


class ComplianceTaskFilter(RecordFilterSet):
    status = django_filters.ChoiceFilter(choices=ComplianceTask.Status.choices)
    assignee = django_filters.TypedChoiceFilter(field_name="assignee_id", choices=member_filter_choices, coerce=int)
    item = django_filters.NumberFilter(field_name="item_id")
    rag = django_filters.ChoiceFilter(choices=Rag.choices, method="filter_rag", label="RAG")
    due_from = django_filters.DateFilter(field_name="due_date", lookup_expr="gte", label="Due from")
    due_to = django_filters.DateFilter(field_name="due_date", lookup_expr="lte", label="Due until")
    ordering = StableOrderingFilter(fields=("due_date", "name", "status", "updated_at"))

    class Meta:
        model = ComplianceTask
        fields = ["status", "assignee", "item"]

    def filter_rag(self, queryset, name, value):
        return queryset.filter(rag_filter(value, tenant_today()))


def with_next_due(queryset: QuerySet[ComplianceItem]) -> QuerySet[ComplianceItem]:
    """Annotate each item with its earliest open task's due and remind dates (for its RAG), one query."""
    is_open = Q(tasks__status__in=OPEN_STATUSES, tasks__is_archived=False)
    return queryset.annotate(
        next_due=Min("tasks__due_date", filter=is_open), next_remind=Min("tasks__remind_on", filter=is_open)
    )


def complianceitem_queryset() -> QuerySet[ComplianceItem]:
    return with_next_due(ComplianceItem.objects.select_related("supplier", "plant", "carrier"))


def compliancetask_queryset() -> QuerySet[ComplianceTask]:
    return ComplianceTask.objects.select_related("item")


def complianceitem_list(*, filters=None) -> QuerySet[ComplianceItem]:
    return record_list(filterset_class=ComplianceItemFilter, queryset=complianceitem_queryset(), filters=filters)


def compliancetask_list(*, filters=None) -> QuerySet[ComplianceTask]:
    return record_list(filterset_class=ComplianceTaskFilter, queryset=compliancetask_queryset(), filters=filters)


def get_complianceitem_for_user(*, user, pk) -> ComplianceItem:
    return record_get_for_user(queryset=complianceitem_queryset(), user=user, pk=pk)


def get_compliancetask_for_user(*, user, pk) -> ComplianceTask:
    return record_get_for_user(queryset=compliancetask_queryset(), user=user, pk=pk)


def get_evidence_version_for_user(*, user, pk) -> EvidenceVersion:
    """A stored evidence file; ids of other tenants do not exist in this schema (404 like any unknown id)."""
    queryset = EvidenceVersion.objects.select_related("evidence__task")
    return record_get_for_user(queryset=queryset, user=user, pk=pk)


def get_evidence_for_user(*, user, pk) -> Evidence:
    return record_get_for_user(queryset=Evidence.objects.select_related("task"), user=user, pk=pk)


def task_evidence(*, task: ComplianceTask) -> list[Evidence]:
    """The task's evidence with every version (newest first), two queries."""
    return list(task_evidence_queryset(task=task))


def task_evidence_queryset(*, task: ComplianceTask) -> QuerySet[Evidence]:
    """The same, unevaluated, for a paginated list (the API); the model orders it (created_at, pk)."""
    return task.evidence.prefetch_related("versions")


def rag_counts(*, today: datetime.date | None = None, assignee_id: int | None = None) -> dict[str, int]:
    """Live tasks by RAG colour, in one query."""
    today = today or tenant_today()
    queryset = ComplianceTask.objects.filter(is_archived=False)
    if assignee_id is not None:
        queryset = queryset.filter(assignee_id=assignee_id)
    return queryset.aggregate(**{rag.value: Count("pk", filter=rag_filter(rag, today)) for rag in Rag})


def attention_tasks(*, today: datetime.date | None = None, limit: int = 20) -> list[ComplianceTask]:
    """Open tasks that need attention, overdue first (oldest due first), then amber ones."""
    today = today or tenant_today()
    live = ComplianceTask.objects.filter(is_archived=False).select_related("item")
    red = list(live.filter(rag_filter(Rag.RED, today)).order_by("due_date", "pk")[:limit])
    amber = list(live.filter(rag_filter(Rag.AMBER, today)).order_by("due_date", "pk")[: max(limit - len(red), 0)])
    return red + amber


@dataclass(frozen=True)
class Countdown:
    task: ComplianceTask
    days_left: int
    rag: str


def countdowns(*, today: datetime.date | None = None, limit: int = 5) -> list[Countdown]:
    """The next key dates: open tasks due from today on, soonest first, with days remaining (tenant's calendar)."""
    today = today or tenant_today()
    tasks = (
        ComplianceTask.objects.filter(is_archived=False, status__in=OPEN_STATUSES, due_date__gte=today)
        .select_related("item")
        .order_by("due_date", "pk")[:limit]
    )
    return [Countdown(task=task, days_left=(task.due_date - today).days, rag=task.rag(today)) for task in tasks]


def month_weeks(*, year: int, month: int) -> list[list[datetime.date]]:
    return calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)


def tasks_by_day(*, start: datetime.date, end: datetime.date) -> dict[datetime.date, list[ComplianceTask]]:
    """Live tasks due in [start, end], grouped by due date (one query)."""
    days: dict[datetime.date, list[ComplianceTask]] = {}
    queryset = ComplianceTask.objects.filter(is_archived=False, due_date__gte=start, due_date__lte=end)
    for task in queryset.select_related("item").order_by("due_date", "pk"):
        days.setdefault(task.due_date, []).append(task)
    return days


def partner_items(*, partner) -> list[ComplianceItem]:
    """A supplier's, plant's or carrier's live compliance items with their RAG annotations."""
    field = partner._meta.model_name
    return list(complianceitem_queryset().filter(is_archived=False, **{field: partner}).order_by("name"))
