"""Forms of the document pages; rules live in the services, forms only parse input."""

from __future__ import annotations

import datetime

from django import forms

from .models import CompanyDetails
from .services import COMPANY_FIELDS


class CompanyDetailsForm(forms.ModelForm):
    class Meta:
        model = CompanyDetails
        fields = COMPANY_FIELDS
        widgets = {
            "remit_to": forms.Textarea(attrs={"rows": 3}),
            "bank_details": forms.Textarea(attrs={"rows": 3}),
        }


class SendForm(forms.Form):
    """Recipients: any of the partner's addresses (checkboxes) plus others typed in, comma-separated."""

    to = forms.MultipleChoiceField(label="Send to", required=False, widget=forms.CheckboxSelectMultiple)
    other = forms.CharField(
        label="Other recipients", required=False, max_length=1000, help_text="E-mail addresses, separated by commas"
    )
    message = forms.CharField(
        label="Message", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, choices: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = choices
        if not choices:
            self.fields["to"].help_text = "This partner has no e-mail address or contacts with one yet."

    def recipients(self) -> list[str]:
        typed = [part.strip() for part in self.cleaned_data.get("other", "").replace(";", ",").split(",")]
        return [*self.cleaned_data.get("to", []), *(address for address in typed if address)]


class PeriodForm(forms.Form):
    """A statement or ledger period; both ends inclusive, in the tenant's calendar."""

    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))

    MAX_DAYS = 3 * 366

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if start > end:
                self.add_error("end", "The end is before the start.")
            elif (end - start) > datetime.timedelta(days=self.MAX_DAYS):
                self.add_error("start", "Choose a period of at most three years.")
        return cleaned
