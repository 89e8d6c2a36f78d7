"""Page forms for partners. Validation rules live on the models; the services run them again."""

from __future__ import annotations

from django import forms

from apps.records.forms import RecordForm

from .models import Carrier, Contact, Customer, Location, Plant, Supplier

ADDRESS_FIELDS = ["street", "city", "state", "postal_code", "country"]


class SupplierForm(RecordForm):
    class Meta:
        model = Supplier
        fields = ["code", "name", "email", "phone", "payment_terms", *ADDRESS_FIELDS, "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class CustomerForm(RecordForm):
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


class PlantForm(RecordForm):
    class Meta:
        model = Plant
        fields = ["supplier", "code", "name", "establishment_number", *ADDRESS_FIELDS]


class CarrierForm(RecordForm):
    class Meta:
        model = Carrier
        fields = ["code", "name", "mc_number", "dot_number", "insurance_expires_on", "email", "phone", *ADDRESS_FIELDS]
        widgets = {"insurance_expires_on": forms.DateInput(attrs={"type": "date"})}


class ContactForm(RecordForm):
    class Meta:
        model = Contact
        fields = ["name", "title", "email", "phone", "supplier", "customer", "carrier"]
        help_texts = {"supplier": "Choose exactly one of supplier, customer or carrier."}


class LocationForm(RecordForm):
    class Meta:
        model = Location
        fields = ["code", "name", "kind", "customer", "supplier", *ADDRESS_FIELDS, "receiving_hours"]
        help_texts = {"customer": "Choose exactly one of customer or supplier."}
