"""Writes for compliance: items and tasks through the shared record services (EDIT → validate → write →
audit), the task workflow, the nightly task generation and evidence uploads.

Workflow and roles (PRODUCT.md §4 capabilities): staff (EDIT) create and edit items and tasks and submit a
task for review (open → in review); marking it done or sending it back (in review → done / open) is a
sign-off and needs APPROVE (manager and up). Viewers only read.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.permissions import Capability, require_capability
from apps.audit.services import audit_record
from apps.records.services import RecordInvalid, record_archive, record_create, record_update
from apps.tenants.quotas import files_removed_on_failure, storage_save
from backend.clock import local_date, tenant_today
from backend.exceptions import ApplicationError

from .evidence import validate_evidence
from .models import ComplianceItem, ComplianceTask, Evidence, EvidenceVersion, TaskTransition
from .recurrence import occurrences, parse_rule
from .selectors import tenant_members

Status = ComplianceTask.Status
# (from, to) → capability needed.
TRANSITIONS: dict[tuple[str, str], Capability] = {
    (Status.OPEN, Status.IN_REVIEW): Capability.EDIT,
    (Status.IN_REVIEW, Status.DONE): Capability.APPROVE,
    (Status.IN_REVIEW, Status.OPEN): Capability.APPROVE,
}


def _check_members(data: dict[str, Any], fields: dict[str, str]) -> None:
    """Each user-id field must name an active member of this tenant (ids of others look unknown)."""
    members = tenant_members()
    errors: dict[str, list[str]] = {}
    for name, label in fields.items():
        if name not in data:
            continue
        value = data[name]
        ids = value if isinstance(value, list) else [value]
        if name == "rotation" and not isinstance(value, list):
            errors[name] = ["Give the rotation as a list of user ids."]
            continue
        for user_id in ids:
            if user_id is None:
                continue
            if isinstance(user_id, bool) or not isinstance(user_id, int) or user_id not in members:
                errors.setdefault(name, []).append(f"The {label} must be a member of this company.")
                break
    if errors:
        raise RecordInvalid(errors)


def _check_item(data: dict[str, Any]) -> None:
    _check_members(data, {"owner_id": "owner", "rotation": "rotation"})
    if data.get("recurrence"):
        try:
            parse_rule(data["recurrence"])
        except ApplicationError as exc:
            raise RecordInvalid({"recurrence": [exc.message]}) from exc
        data["recurrence"] = data["recurrence"].strip().upper().removeprefix("RRULE:")


def complianceitem_create(*, user, data: dict[str, Any]) -> ComplianceItem:
    data = dict(data)
    _check_item(data)
    return record_create(model=ComplianceItem, user=user, data=data)


def complianceitem_update(*, user, record: ComplianceItem, data: dict[str, Any]) -> ComplianceItem:
    data = dict(data)
    _check_item(data)
    return record_update(record=record, user=user, data=data)


def complianceitem_archive(*, user, record: ComplianceItem) -> ComplianceItem:
    return record_archive(record=record, user=user)


def _queue_assignment_reminder(task: ComplianceTask) -> None:
    if task.assignee_id is None:
        return
    from .tasks import send_task_reminder

    task_id, schema = task.pk, connection.schema_name

    def queue() -> None:
        # The commit may happen after the caller left the tenant (seed_demo, nested tenant_context).
        with schema_context(schema):
            send_task_reminder.defer(task_id=task_id, kind="assigned")

    transaction.on_commit(queue)


def compliancetask_create(*, user, data: dict[str, Any]) -> ComplianceTask:
    data = dict(data)
    _check_members(data, {"assignee_id": "assignee"})
    with transaction.atomic():
        task = record_create(model=ComplianceTask, user=user, data=data)
        _queue_assignment_reminder(task)
    return task


def compliancetask_update(*, user, record: ComplianceTask, data: dict[str, Any]) -> ComplianceTask:
    data = dict(data)
    _check_members(data, {"assignee_id": "assignee"})
    before = record.assignee_id
    with transaction.atomic():
        task = record_update(record=record, user=user, data=data)
        if task.assignee_id != before:
            _queue_assignment_reminder(task)
    return task


def compliancetask_archive(*, user, record: ComplianceTask) -> ComplianceTask:
    return record_archive(record=record, user=user)


@transaction.atomic
def compliancetask_transition(*, user, task: ComplianceTask, to_status: str, note: str = "") -> ComplianceTask:
    """Move a task along open → in review → done (or back to open from review), recording the step."""
    task = ComplianceTask.objects.select_for_update().get(pk=task.pk)
    capability = TRANSITIONS.get((task.status, to_status))
    if capability is None:
        raise ApplicationError(
            f"A task that is {task.get_status_display().lower()} cannot move to {to_status}.",
            field="status",
            code="invalid_transition",
        )
    require_capability(user=user, capability=capability)
    if task.is_archived:
        raise ApplicationError("Archived tasks cannot change.", code="archived")
    note = (note or "").strip()[:500]
    before = task.status
    task.status = to_status
    task.completed_at = timezone.now() if to_status == Status.DONE else None
    task.updated_by_id = user.pk
    task.save(update_fields=["status", "completed_at", "updated_by_id", "updated_at"])
    TaskTransition.objects.create(task=task, from_status=before, to_status=to_status, actor_id=user.pk, note=note)
    audit_record(
        action="compliancetask.transition",
        actor=user,
        target=task,
        changes={"status": [before, to_status], **({"note": [None, note]} if note else {})},
    )
    return task


# --- nightly generation ---------------------------------------------------------------------------------


def _created_on(item: ComplianceItem) -> datetime.date:
    return local_date(item.created_at)


def compliance_tasks_generate(*, today: datetime.date | None = None, horizon_days: int | None = None) -> int:
    """Create the tasks of every live recurring item due from the item's creation up to the horizon.

    Idempotent: (item, due_date) is unique and rows are fetched-or-created, so re-running (or two runs at
    once) adds nothing. Occurrence n of an item goes to rotation[n % len(rotation)] (or the owner).
    Returns how many tasks were created.
    """
    today = today or tenant_today()
    horizon_days = settings.COMPLIANCE_HORIZON_DAYS if horizon_days is None else horizon_days
    created = 0
    for item in ComplianceItem.objects.filter(is_archived=False).order_by("pk"):
        until = today + datetime.timedelta(days=max(horizon_days, item.lead_time_days))
        after = max(item.starts_on, _created_on(item))
        existing = set(item.tasks.filter(due_date__gte=after, due_date__lte=until).values_list("due_date", flat=True))
        for index, due in occurrences(rule=item.recurrence, starts_on=item.starts_on, after=after, until=until):
            if due in existing:
                continue
            rotation = [user_id for user_id in item.rotation if isinstance(user_id, int)]
            assignee = rotation[index % len(rotation)] if rotation else item.owner_id
            if _generate_one(item=item, due=due, assignee_id=assignee):
                created += 1
    return created


def _generate_one(*, item: ComplianceItem, due: datetime.date, assignee_id: int | None) -> bool:
    try:
        with transaction.atomic():
            task, created = ComplianceTask.objects.get_or_create(
                item=item,
                due_date=due,
                defaults={"name": item.name[:100], "assignee_id": assignee_id, "lead_time_days": item.lead_time_days},
            )
            if created:
                _queue_assignment_reminder(task)
                audit_record(
                    action="compliancetask.generate",
                    target=task,
                    changes={"due_date": [None, str(due)], "assignee_id": [None, assignee_id]},
                )
    except IntegrityError:  # a concurrent run created it between our read and insert
        return False
    return created


# --- evidence ---------------------------------------------------------------------------------------------


def _store(upload, *, filename: str) -> str:
    """Save under the tenant's prefix through the storage quota (ApplicationError when it does not fit)."""
    name = f"{connection.schema_name}/compliance/evidence/{secrets.token_hex(16)}/{filename}"
    upload.seek(0)
    return storage_save(tenant=connection.tenant, name=name, content=upload, field="file")


def _sha256(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _add_version(*, evidence: Evidence, upload, user, number: int) -> EvidenceVersion:
    checked = validate_evidence(upload)
    stored = _store(upload, filename=checked.filename)  # deleted again by files_removed_on_failure
    return EvidenceVersion.objects.create(
        evidence=evidence,
        number=number,
        file=stored,
        filename=checked.filename,
        content_type=checked.content_type,
        size=upload.size,
        sha256=_sha256(upload),
        uploaded_by_id=user.pk,
    )


@files_removed_on_failure()
@transaction.atomic
def evidence_upload(*, user, task: ComplianceTask, upload, title: str = "") -> Evidence:
    """Attach a new document to a task (validated by content, stored under the tenant's prefix)."""
    require_capability(user=user, capability=Capability.EDIT)
    if task.is_archived:
        raise ApplicationError("Archived tasks take no new evidence.", code="archived")
    if upload is None:
        raise ApplicationError("Choose a file to upload.", field="file")
    checked = validate_evidence(upload)
    title = (title or "").strip()[:200] or checked.filename
    evidence = Evidence.objects.create(task=task, title=title, created_by_id=user.pk)
    version = _add_version(evidence=evidence, upload=upload, user=user, number=1)
    audit_record(
        action="evidence.upload",
        actor=user,
        target=evidence,
        changes={"task": [None, task.pk], "file": [None, version.filename], "sha256": [None, version.sha256]},
    )
    return evidence


@files_removed_on_failure()
@transaction.atomic
def evidence_replace(*, user, evidence: Evidence, upload) -> EvidenceVersion:
    """Add a newer version; the earlier ones stay downloadable."""
    require_capability(user=user, capability=Capability.EDIT)
    if upload is None:
        raise ApplicationError("Choose a file to upload.", field="file")
    evidence = Evidence.objects.select_for_update().select_related("task").get(pk=evidence.pk)
    if evidence.task.is_archived:
        raise ApplicationError("Archived tasks take no new evidence.", code="archived")
    latest = evidence.versions.order_by("-number").first()
    number = (latest.number if latest else 0) + 1
    version = _add_version(evidence=evidence, upload=upload, user=user, number=number)
    audit_record(
        action="evidence.replace",
        actor=user,
        target=evidence,
        changes={"version": [number - 1, number], "file": [latest.filename if latest else None, version.filename]},
    )
    return version
