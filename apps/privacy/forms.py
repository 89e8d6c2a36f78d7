"""Forms of the privacy pages: the erasure confirmation and the retention periods."""

from __future__ import annotations

from django import forms

from .retention import BOUNDS
from .services import ERASE_CONFIRMATION


class EraseForm(forms.Form):
    confirm = forms.CharField(
        label=f'Type "{ERASE_CONFIRMATION}" to confirm',
        max_length=20,
        help_text="Erasure cannot be undone.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


def _days(label: str, field: str, help_text: str) -> forms.IntegerField:
    bounds = BOUNDS[field]
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=bounds.minimum,
        max_value=bounds.maximum,
        help_text=f"{help_text} {bounds.minimum}–{bounds.maximum} days; empty keeps them forever.",
    )


class RetentionForm(forms.Form):
    audit_days = _days("Audit log (days)", "audit_days", "Older audit events are removed; the log still verifies.")
    evidence_version_days = _days(
        "Replaced evidence versions (days)",
        "evidence_version_days",
        "Earlier versions of compliance evidence uploaded longer ago are deleted; the current version stays.",
    )
    export_days = _days("Workspace exports (days)", "export_days", "Older export files are deleted.")
    session_days = _days("Sign-in sessions (days)", "session_days", "Sessions older than this end, even when in use.")

    def __init__(self, *args, editable: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not editable:
            for field in self.fields.values():
                field.disabled = True
