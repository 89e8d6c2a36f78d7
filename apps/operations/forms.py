from django import forms

from apps.tenants.models import Client


class FleetFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Name or schema")
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *Client.Status.choices])
    plan = forms.ChoiceField(required=False, choices=[("", "Any plan"), *Client.Plan.choices])
    behind = forms.BooleanField(required=False, label="Behind on migrations only")
