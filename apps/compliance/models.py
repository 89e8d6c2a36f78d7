"""Compliance (PRODUCT.md §8): recurring food-safety and paperwork obligations (items), their dated tasks
with a recorded open → in review → done workflow, versioned evidence files and reminder bookkeeping.

Users live in the shared schema, so owners and assignees are stored as user ids (no cross-schema keys);
the services check that each id belongs to an active member of the tenant.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q

from apps.partners.models import Carrier, Plant, Supplier
from apps.records.models import TrackedRecord, search_document, search_index
from backend.clock import tenant_today

from .recurrence import describe

EARLIEST_DUE_DATE = datetime.date(1900, 1, 1)


class Rag(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"
    DONE = "done", "Done"


def rag_for(*, due_date: datetime.date | None, remind_on: datetime.date | None, today: datetime.date) -> str:
    """Red once the due date has passed, amber from the start of the lead time up to the due date, else green."""
    if due_date is None:
        return Rag.GREEN
    if due_date < today:
        return Rag.RED
    if remind_on is not None and remind_on <= today:
        return Rag.AMBER
    return Rag.GREEN


class ComplianceItem(TrackedRecord):
    """An obligation of a supplier, a plant, a carrier or (none of them) the company itself."""

    class Category(models.TextChoices):
        PLANT_AUDIT = "plant_audit", "Plant audit"
        CERTIFICATE = "certificate", "Certificate"
        INSURANCE = "insurance", "Insurance"
        LICENCE = "licence", "Licence"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200)
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.OTHER)
    supplier = models.ForeignKey(
        Supplier, null=True, blank=True, on_delete=models.PROTECT, related_name="compliance_items"
    )
    plant = models.ForeignKey(Plant, null=True, blank=True, on_delete=models.PROTECT, related_name="compliance_items")
    carrier = models.ForeignKey(
        Carrier, null=True, blank=True, on_delete=models.PROTECT, related_name="compliance_items"
    )
    owner_id = models.BigIntegerField("owner", null=True, blank=True)
    starts_on = models.DateField("first due date")
    recurrence = models.CharField(max_length=200, blank=True, help_text="RFC 5545 RRULE; empty means once")
    lead_time_days = models.PositiveSmallIntegerField(
        default=14, validators=[MaxValueValidator(365)], help_text="Days before the due date it turns amber"
    )
    # Assignees of successive occurrences, in order (user ids); empty means the owner.
    rotation = models.JSONField(default=list, blank=True)
    notes = models.TextField(blank=True)
    search_text = search_document("name", "category", "notes")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(supplier__isnull=True, plant__isnull=True)
                    | Q(supplier__isnull=True, carrier__isnull=True)
                    | Q(plant__isnull=True, carrier__isnull=True)
                ),
                name="complianceitem_at_most_one_partner",
                violation_error_message="An item belongs to at most one of supplier, plant or carrier.",
            )
        ]
        indexes = [
            models.Index(fields=["is_archived", "name"], name="compitem_active_name_idx"),
            models.Index(fields=["category"], name="compitem_category_idx"),
            models.Index(fields=["owner_id"], name="compitem_owner_idx"),
            search_index("complianceitem"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def subject(self):
        """What the obligation is about: the partner, or None for the company."""
        return self.supplier or self.plant or self.carrier

    @property
    def subject_label(self) -> str:
        return str(self.subject) if self.subject else "Company"

    @property
    def recurrence_label(self) -> str:
        return describe(self.recurrence)

    def rag(self, today: datetime.date | None = None) -> str:
        """RAG of the earliest open task (needs the `next_due`/`next_remind` annotations of the selectors)."""
        return rag_for(
            due_date=getattr(self, "next_due", None),
            remind_on=getattr(self, "next_remind", None),
            today=today or tenant_today(),
        )

    def get_rag_display(self) -> str:
        return Rag(self.rag()).label


class ComplianceTask(TrackedRecord):
    """One dated occurrence of an item, or an ad-hoc task without an item."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_REVIEW = "in_review", "In review"
        DONE = "done", "Done"

    item = models.ForeignKey(ComplianceItem, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks")
    name = models.CharField(max_length=100)
    assignee_id = models.BigIntegerField("assignee", null=True, blank=True)
    due_date = models.DateField()
    lead_time_days = models.PositiveSmallIntegerField(default=7, validators=[MaxValueValidator(365)])
    # due_date - lead_time_days, kept by save() so RAG filters are plain date comparisons with an index.
    remind_on = models.DateField(editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    search_text = search_document("name", "status")

    class Meta:
        ordering = ["due_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "due_date"],
                condition=Q(item__isnull=False),
                name="compliancetask_unique_item_due_date",
                violation_error_message="This item already has a task on that date.",
            )
        ]
        indexes = [
            models.Index(fields=["status", "due_date"], name="comptask_status_due_idx"),
            models.Index(fields=["status", "remind_on"], name="comptask_status_remind_idx"),
            models.Index(fields=["assignee_id", "status"], name="comptask_assignee_idx"),
            search_index("compliancetask"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (due {self.due_date:%Y-%m-%d})" if self.due_date else self.name

    def clean(self) -> None:
        super().clean()
        # The reminder date (due − lead time) must exist: 0001-01-01 minus a week overflowed into a 500.
        if self.due_date is not None and self.due_date < EARLIEST_DUE_DATE:
            raise ValidationError({"due_date": f"Enter a due date on or after {EARLIEST_DUE_DATE:%Y-%m-%d}."})

    def save(self, *args, **kwargs):
        if self.due_date is not None:
            self.remind_on = self.due_date - datetime.timedelta(days=self.lead_time_days or 0)
        super().save(*args, **kwargs)

    def rag(self, today: datetime.date | None = None) -> str:
        if self.status == self.Status.DONE:
            return Rag.DONE
        due = self.due_date
        remind = due - datetime.timedelta(days=self.lead_time_days or 0) if due else None
        return rag_for(due_date=due, remind_on=remind, today=today or tenant_today())

    def get_rag_display(self) -> str:
        return Rag(self.rag()).label

    def days_left(self, today: datetime.date | None = None) -> int:
        return (self.due_date - (today or tenant_today())).days


class TaskTransition(models.Model):
    """Every status change of a task: who moved it, from where to where, when (DOM-06)."""

    task = models.ForeignKey(ComplianceTask, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=10, choices=ComplianceTask.Status.choices)
    to_status = models.CharField(max_length=10, choices=ComplianceTask.Status.choices)
    actor_id = models.BigIntegerField(null=True)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class Evidence(models.Model):
    """A document attached to a task; replacing it adds a version and keeps the earlier ones."""

    task = models.ForeignKey(ComplianceTask, on_delete=models.PROTECT, related_name="evidence")
    title = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by_id = models.BigIntegerField(null=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "evidence"

    def __str__(self) -> str:
        return self.title


class EvidenceVersion(models.Model):
    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    file = models.CharField(max_length=500)  # storage name: <schema>/compliance/evidence/<random>/<name>
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by_id = models.BigIntegerField(null=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["evidence", "number"], name="evidenceversion_unique_number")]

    def __str__(self) -> str:
        return f"{self.filename} (v{self.number})"


class TaskReminder(models.Model):
    """Bookkeeping so each kind of reminder goes out at most once per task."""

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", "Assigned"
        DUE_SOON = "due_soon", "Due soon"
        OVERDUE = "overdue", "Overdue"

    task = models.ForeignKey(ComplianceTask, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    recipient_id = models.BigIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["task", "kind"], name="taskreminder_unique_task_kind")]

    def __str__(self) -> str:
        return f"{self.kind} reminder for task {self.task_id}"
