"""Page forms for partners. Validation rules live on the models; the services run them again."""

from __future__ import annotations

from django import forms

from .models import Carrier, Contact, Customer, Location, Plant, Supplier

ADDRESS_FIELDS = ["street", "city", "state", "postal_code", "country"]


class SupplierForm(forms.ModelForm):
    class Meta:
        model = Supplier
        fields = ["code", "name", "email", "phone", "payment_terms", *ADDRESS_FIELDS, "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class CustomerForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = [
            "code",
            "name",
            "email",
            "phone",
            "payment_terms",
            "credit_limit",
            "status",
            *ADDRESS_FIELDS,
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class PlantForm(forms.ModelForm):
    class Meta:
        model = Plant
        fields = ["supplier", "code", "name", "establishment_number", *ADDRESS_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = Supplier.objects.filter(is_archived=False)


class CarrierForm(forms.ModelForm):
    class Meta:
        model = Carrier
        fields = ["code", "name", "mc_number", "dot_number", "insurance_expires_on", "email", "phone", *ADDRESS_FIELDS]
        widgets = {"insurance_expires_on": forms.DateInput(attrs={"type": "date"})}


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "title", "email", "phone", "supplier", "customer", "carrier"]
        help_texts = {"supplier": "Choose exactly one of supplier, customer or carrier."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, model in (("supplier", Supplier), ("customer", Customer), ("carrier", Carrier)):
            self.fields[name].queryset = model.objects.filter(is_archived=False)


class LocationForm(forms.ModelForm):
    class Meta:
        model = Location
        fields = ["code", "name", "kind", "customer", "supplier", *ADDRESS_FIELDS, "receiving_hours"]
        help_texts = {"customer": "Choose exactly one of customer or supplier."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = Customer.objects.filter(is_archived=False)
        self.fields["supplier"].queryset = Supplier.objects.filter(is_archived=False)
