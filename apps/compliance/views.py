"""Compliance pages: items and tasks (record page sets), the dashboard (self-refreshing), "assigned to me",
the month/week calendar, task transitions and evidence upload/replace/download."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from apps.accounts.permissions import Capability, has_capability
from apps.records.pages import Column, RecordPages, Section
from backend.clock import tenant_today
from backend.exceptions import ApplicationError

from . import selectors, services
from .forms import IMPORT_COLUMNS, EvidenceUploadForm, TransitionForm
from .imports import complianceitem_import
from .models import ComplianceItem, ComplianceTask
from .resources import ITEMS, TASKS

IMPORT_HELP = (
    "Each row creates one item. Partners are named by code, people by e-mail (rotation: e-mails separated by"
    " spaces); frequency is empty (once), yearly, monthly or weekly."
)
TASK_COLUMNS = [
    Column("name", "Task", link=True),
    Column("due_date", "Due"),
    Column("status", "Status"),
    Column("rag", "RAG"),
]


def _refuse(request: HttpRequest, capability: Capability) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not has_capability(user=request.user, capability=capability):
        raise PermissionDenied
    return None


def _or_404(fetch, **kwargs):
    try:
        return fetch(**kwargs)
    except ApplicationError as exc:
        if exc.code == "permission_denied":
            raise PermissionDenied from exc
        raise Http404 from exc


class ComplianceItemPages(RecordPages):
    resource = ITEMS
    columns = [
        Column("name", "Name", sort="name", link=True),
        Column("category", "Category", sort="category"),
        Column("subject_label", "Concerns"),
        Column("recurrence_label", "Repeats"),
        Column("next_due", "Next due"),
        Column("rag", "RAG"),
    ]
    detail_fields = [
        Column("name", "Name"),
        Column("category", "Category"),
        Column("subject_label", "Concerns"),
        Column("owner_email", "Owner"),
        Column("starts_on", "First due date"),
        Column("recurrence_label", "Repeats"),
        Column("lead_time_days", "Lead time (days)"),
        Column("rotation_emails", "Rotation"),
        Column("rag", "RAG"),
        Column("notes", "Notes"),
    ]

    def related(self, record: ComplianceItem) -> list[Section]:
        prefill = urlencode({"item": record.pk, "name": record.name[:100]})
        return [
            Section(
                title="Tasks",
                columns=TASK_COLUMNS,
                records=list(record.tasks.filter(is_archived=False).order_by("-due_date")[:50]),
                detail_url_name="compliancetask-detail",
                add_url=f"{reverse('compliancetask-create')}?{prefill}",
            )
        ]

    def _get(self, request: HttpRequest, pk: int) -> ComplianceItem:
        item = super()._get(request, pk)
        members = selectors.tenant_members()  # owners and rotations are user ids in the shared schema
        item.owner_email = members.get(item.owner_id, "")
        item.rotation_emails = ", ".join(members.get(user_id, "?") for user_id in item.rotation)
        return item

    def urls(self):
        return [*super().urls(), path("compliance-items/import/", self.import_view, name="complianceitem-import")]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if refused := _refuse(request, Capability.EDIT):
            return refused
        result, error, status = None, "", 200
        if request.method == "POST":
            try:
                result = complianceitem_import(upload=request.FILES.get("file"), user=request.user)
            except ApplicationError as exc:
                if exc.code == "permission_denied":
                    raise PermissionDenied from exc
                error, status = exc.message, 400
            else:
                if result.ok:
                    messages.success(request, f"Imported {result.created} compliance item(s).")
                    return redirect("complianceitem-list")
                status = 400
        context = self._context(
            request, result=result, error=error, columns=",".join(IMPORT_COLUMNS), import_help=IMPORT_HELP
        )
        return render(request, self.import_template, context, status=status)


class ComplianceTaskPages(RecordPages):
    resource = TASKS
    detail_template = "compliance/task_detail.html"
    columns = [
        Column("name", "Task", sort="name", link=True),
        Column("item.name", "Item"),
        Column("due_date", "Due", sort="due_date"),
        Column("status", "Status", sort="status"),
        Column("rag", "RAG"),
    ]
    detail_fields = [
        Column("name", "Task"),
        Column("item", "Item"),
        Column("assignee_email", "Assignee"),
        Column("due_date", "Due date"),
        Column("lead_time_days", "Lead time (days)"),
        Column("status", "Status"),
        Column("rag", "RAG"),
    ]

    def detail_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if refused := self._require(request, Capability.READ):
            return refused
        return self.render_detail(request, self._get(request, pk))

    def render_detail(
        self, request: HttpRequest, task: ComplianceTask, *, upload_form: EvidenceUploadForm | None = None, status=200
    ) -> HttpResponse:
        """The task page; a refused upload comes back here with its form (typed title and error kept)."""
        task.assignee_email = selectors.tenant_members().get(task.assignee_id, "")
        moves = [
            {"to": to, "label": ComplianceTask.Status(to).label}
            for (source, to), capability in services.TRANSITIONS.items()
            if source == task.status and has_capability(user=request.user, capability=capability)
        ]
        context = self._context(
            request,
            record=task,
            fields=[{"label": column.label, **column.cell(task)} for column in self.detail_fields],
            sections=[],
            warnings=[],
            moves=[] if task.is_archived else moves,
            transitions=list(task.transitions.all()),
            evidence=selectors.task_evidence(task=task),
            upload_form=upload_form or EvidenceUploadForm(),
            edit_url=reverse("compliancetask-edit", args=[task.pk]),
            archive_url=reverse("compliancetask-archive", args=[task.pk]),
        )
        return render(request, self.detail_template, context, status=status)


# --- dashboard, "mine", calendar --------------------------------------------------------------------------


def dashboard(request: HttpRequest) -> HttpResponse:
    """RAG counts, overdue-first attention list and countdowns; HTMX re-fetches the content every 30 s."""
    if refused := _refuse(request, Capability.READ):
        return refused
    today = tenant_today()
    context = {
        "today": today,
        "counts": selectors.rag_counts(today=today),
        "attention": selectors.attention_tasks(today=today),
        "countdowns": selectors.countdowns(today=today),
        "can_edit": has_capability(user=request.user, capability=Capability.EDIT),
    }
    if request.headers.get("HX-Request"):
        return render(request, "compliance/partials/dashboard_content.html", context)
    return render(request, "compliance/dashboard.html", context)


def mine(request: HttpRequest) -> HttpResponse:
    """Everything the signed-in user is assigned or owns, across partners (DOM-14)."""
    if refused := _refuse(request, Capability.READ):
        return refused
    today = tenant_today()
    tasks = list(
        ComplianceTask.objects.filter(is_archived=False, assignee_id=request.user.pk)
        .select_related("item")
        .order_by("status", "due_date", "pk")[:200]
    )
    items = list(selectors.complianceitem_queryset().filter(is_archived=False, owner_id=request.user.pk)[:200])
    context = {
        "today": today,
        "tasks": [(task, task.rag(today)) for task in tasks],
        "items": [(item, item.rag(today)) for item in items],
        "counts": selectors.rag_counts(today=today, assignee_id=request.user.pk),
    }
    return render(request, "compliance/mine.html", context)


# A calendar page shows whole weeks and links a step back and forward: years 1 and 9999 would run the grid
# or the links off the end of the calendar, so a day there is treated like a malformed one.
_FIRST_YEAR, _LAST_YEAR = 2, 9998


def _parse_day(value: str | None, default: datetime.date) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(value) if value else default
    except ValueError:
        return default
    return day if _FIRST_YEAR <= day.year <= _LAST_YEAR else default


def calendar_month(request: HttpRequest) -> HttpResponse:
    if refused := _refuse(request, Capability.READ):
        return refused
    today = tenant_today()
    first = _parse_day((request.GET.get("month") or "") + "-01" if request.GET.get("month") else None, today)
    first = first.replace(day=1)
    weeks = selectors.month_weeks(year=first.year, month=first.month)
    by_day = selectors.tasks_by_day(start=weeks[0][0], end=weeks[-1][-1])
    previous = (first - datetime.timedelta(days=1)).replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    context = {
        "today": today,
        "first": first,
        "weeks": [[(day, by_day.get(day, [])) for day in week] for week in weeks],
        "previous": previous.strftime("%Y-%m"),
        "next": following.strftime("%Y-%m"),
    }
    return render(request, "compliance/calendar_month.html", context)


def calendar_week(request: HttpRequest) -> HttpResponse:
    if refused := _refuse(request, Capability.READ):
        return refused
    today = tenant_today()
    day = _parse_day(request.GET.get("week"), today)
    monday = day - datetime.timedelta(days=day.weekday())
    days = [monday + datetime.timedelta(days=offset) for offset in range(7)]
    by_day = selectors.tasks_by_day(start=days[0], end=days[-1])
    context = {
        "today": today,
        "monday": monday,
        "days": [(d, [(task, task.rag(today)) for task in by_day.get(d, [])]) for d in days],
        "previous": (monday - datetime.timedelta(days=7)).isoformat(),
        "next": (monday + datetime.timedelta(days=7)).isoformat(),
    }
    return render(request, "compliance/calendar_week.html", context)


# --- workflow and evidence --------------------------------------------------------------------------------


@require_POST
def task_transition(request: HttpRequest, pk: int) -> HttpResponse:
    if refused := _refuse(request, Capability.EDIT):
        return refused
    task = _or_404(selectors.get_compliancetask_for_user, user=request.user, pk=pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a valid status.")
        return redirect("compliancetask-detail", pk=task.pk)
    try:
        services.compliancetask_transition(
            user=request.user, task=task, to_status=form.cleaned_data["status"], note=form.cleaned_data["note"]
        )
    except ApplicationError as exc:
        if exc.code == "permission_denied":
            raise PermissionDenied from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Task moved to {ComplianceTask.Status(form.cleaned_data['status']).label}.")
    return redirect("compliancetask-detail", pk=task.pk)


@require_POST
def evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    if refused := _refuse(request, Capability.EDIT):
        return refused
    task = _or_404(selectors.get_compliancetask_for_user, user=request.user, pk=pk)
    return _upload(
        request,
        task=task,
        write=lambda upload, title: services.evidence_upload(user=request.user, task=task, upload=upload, title=title),
    )


@require_POST
def evidence_replace(request: HttpRequest, pk: int) -> HttpResponse:
    if refused := _refuse(request, Capability.EDIT):
        return refused
    evidence = _or_404(selectors.get_evidence_for_user, user=request.user, pk=pk)
    return _upload(
        request,
        task=evidence.task,
        write=lambda upload, title: services.evidence_replace(user=request.user, evidence=evidence, upload=upload),
    )


def _upload(request: HttpRequest, *, task: ComplianceTask, write) -> HttpResponse:
    form = EvidenceUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            write(form.cleaned_data["file"], form.cleaned_data["title"])
        except ApplicationError as exc:
            if exc.code == "permission_denied":
                raise PermissionDenied from exc
            form.add_error("file" if exc.field == "file" else None, exc.message)
        else:
            messages.success(request, "Evidence uploaded.")
            return redirect("compliancetask-detail", pk=task.pk)
    return ComplianceTaskPages().render_detail(request, task, upload_form=form, status=400)


def evidence_download(request: HttpRequest, pk: int) -> HttpResponse:
    """Stream one evidence version to a member of this tenant (other tenants' ids do not exist here)."""
    if refused := _refuse(request, Capability.READ):
        return refused
    version = _or_404(selectors.get_evidence_version_for_user, user=request.user, pk=pk)
    if not version.file.startswith(f"{connection.schema_name}/compliance/evidence/"):
        raise Http404  # defence in depth: never serve a path outside this tenant's prefix
    try:
        handle = default_storage.open(version.file, "rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, as_attachment=True, filename=version.filename, content_type=version.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
