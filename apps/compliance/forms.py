"""Page forms for compliance. The item form turns the recurrence builder's choices into an RRULE and
member e-mails into user ids; the services check both again."""

from __future__ import annotations

import re

from django import forms

from apps.partners.models import Carrier, Plant, Supplier
from apps.records.forms import RecordForm
from backend.exceptions import ApplicationError

from .models import ComplianceItem, ComplianceTask
from .recurrence import Frequency, build_rule, parse_rule
from .selectors import tenant_members

DATE = forms.DateInput(attrs={"type": "date"})


class MemberChoiceField(forms.TypedChoiceField):
    """A member of the tenant, chosen by e-mail, cleaned to the user id."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("coerce", int)
        kwargs.setdefault("empty_value", None)
        super().__init__(*args, **kwargs)


def _member_choices(members: dict[int, str]) -> list[tuple[str, str]]:
    return [("", "—")] + [(str(user_id), email) for user_id, email in members.items()]


class ComplianceItemForm(RecordForm):
    owner = MemberChoiceField(required=False)
    frequency = forms.ChoiceField(
        choices=[("", "Once (no repeat)"), *Frequency.CHOICES], required=False, label="Repeats"
    )
    interval = forms.IntegerField(min_value=1, max_value=120, initial=1, required=False, label="Every N")
    month_day = forms.IntegerField(
        min_value=1,
        max_value=31,
        required=False,
        label="On day of month",
        help_text="Monthly rules only; 31 = month end",
    )
    rotation = forms.CharField(
        required=False,
        help_text="E-mails of members, in order; each new occurrence goes to the next person. Empty: the owner.",
    )

    class Meta:
        model = ComplianceItem
        fields = ["name", "category", "supplier", "plant", "carrier", "starts_on", "lead_time_days", "notes"]
        widgets = {"starts_on": DATE, "notes": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"supplier": "At most one of supplier, plant or carrier; none means the company itself."}

    field_order = ["name", "category", "supplier", "plant", "carrier", "owner", "starts_on", "frequency"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = tenant_members()
        self.fields["owner"].choices = _member_choices(self.members)
        item = self.instance
        if item.pk:
            self.initial.setdefault("owner", item.owner_id)
            self.initial.setdefault("rotation", ", ".join(self.members.get(i, str(i)) for i in item.rotation))
            if item.recurrence:
                try:
                    parts = parse_rule(item.recurrence)
                except ApplicationError:
                    parts = None
                if parts:
                    self.initial.setdefault("frequency", parts.frequency)
                    self.initial.setdefault("interval", parts.interval)
                    self.initial.setdefault("month_day", parts.month_day)

    def clean_rotation(self) -> list[int]:
        by_email = {email.lower(): user_id for user_id, email in self.members.items()}
        ids = []
        for email in [part for part in re.split(r"[\s,;]+", self.cleaned_data.get("rotation") or "") if part]:
            if email.lower() not in by_email:
                raise forms.ValidationError(f"{email} is not a member of this company.")
            ids.append(by_email[email.lower()])
        return ids

    def clean(self):
        cleaned = super().clean()
        frequency = cleaned.pop("frequency", "")
        interval = cleaned.pop("interval", None) or 1
        month_day = cleaned.pop("month_day", None)
        starts_on = cleaned.get("starts_on")
        cleaned["owner_id"] = cleaned.pop("owner", None)
        if frequency and starts_on:
            try:
                cleaned["recurrence"] = build_rule(
                    frequency=frequency, interval=interval, starts_on=starts_on, month_day=month_day
                )
            except ApplicationError as exc:
                self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        elif not frequency:
            cleaned["recurrence"] = ""
        return cleaned


class ComplianceItemImportForm(ComplianceItemForm):
    """CSV rows name partners by code and the owner by e-mail."""

    supplier = forms.ModelChoiceField(
        queryset=Supplier.objects.filter(is_archived=False), to_field_name="code", required=False
    )
    plant = forms.ModelChoiceField(
        queryset=Plant.objects.filter(is_archived=False), to_field_name="code", required=False
    )
    carrier = forms.ModelChoiceField(
        queryset=Carrier.objects.filter(is_archived=False), to_field_name="code", required=False
    )
    owner = forms.CharField(required=False)

    def clean_owner(self):
        email = (self.cleaned_data.get("owner") or "").strip().lower()
        if not email:
            return None
        for user_id, member_email in self.members.items():
            if member_email.lower() == email:
                return user_id
        raise forms.ValidationError(f"{email} is not a member of this company.")


IMPORT_COLUMNS = [
    "name",
    "category",
    "supplier",
    "plant",
    "carrier",
    "owner",
    "starts_on",
    "frequency",
    "interval",
    "month_day",
    "lead_time_days",
    "rotation",
    "notes",
]


class ComplianceTaskForm(RecordForm):
    assignee = MemberChoiceField(required=False)

    class Meta:
        model = ComplianceTask
        fields = ["name", "item", "due_date", "lead_time_days"]
        widgets = {"due_date": DATE}
        help_texts = {"item": "Empty for an ad-hoc task."}

    field_order = ["name", "item", "assignee", "due_date", "lead_time_days"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = _member_choices(tenant_members())
        if self.instance.pk:
            self.initial.setdefault("assignee", self.instance.assignee_id)

    def clean(self):
        cleaned = super().clean()
        cleaned["assignee_id"] = cleaned.pop("assignee", None)
        return cleaned


class EvidenceUploadForm(forms.Form):
    title = forms.CharField(max_length=200, required=False)
    file = forms.FileField(help_text="PDF, PNG, JPEG or GIF")


class TransitionForm(forms.Form):
    status = forms.ChoiceField(choices=ComplianceTask.Status.choices)
    note = forms.CharField(max_length=500, required=False)
