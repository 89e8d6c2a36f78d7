"""Forms of the tenant settings pages; rules live in the services, forms only parse input."""

from django import forms


class DomainAddForm(forms.Form):
    domain = forms.CharField(max_length=253, label="Domain", help_text="For example shop.example.com")
