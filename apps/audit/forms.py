"""The audit log's filter form, shared by the page, the CSV export and the API."""

from __future__ import annotations

from django import forms

from .selectors import AuditFilters


class AuditFilterForm(forms.Form):
    action = forms.CharField(max_length=100, required=False, help_text="An action or its prefix, e.g. order.")
    actor_email = forms.CharField(max_length=254, required=False, label="Actor e-mail")
    object_type = forms.CharField(max_length=100, required=False, help_text="e.g. orders.purchaseorder")
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned

    def filters(self) -> AuditFilters:
        """The validated filters (none when the form was not submitted). Call after is_valid()."""
        if not self.is_bound:
            return AuditFilters()
        data = self.cleaned_data
        return AuditFilters(
            action=data["action"].strip(),
            actor_email=data["actor_email"].strip(),
            object_type=data["object_type"].strip().lower(),
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
