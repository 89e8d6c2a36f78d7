"""Page forms for purchase orders: the header form and the line formset (rules live in the services)."""

from __future__ import annotations

from django import forms

from apps.partners.models import PaymentTerms
from apps.products.models import Product
from apps.records.forms import RecordForm

from .models import PurchaseOrder, PurchaseOrderLine


class PurchaseOrderForm(RecordForm):
    class Meta:
        model = PurchaseOrder
        fields = ["supplier", "plant", "carrier", "pickup_date", "terms", "notes"]
        widgets = {"pickup_date": forms.DateInput(attrs={"type": "date"}), "notes": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"plant": "Must be one of the supplier's plants.", "terms": "Defaults to the supplier's terms."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        terms = self.fields["terms"]
        terms.required = False
        # A blank choice that means "the supplier's terms"; a new order starts on it (the model's Net 30
        # default would otherwise be preselected and always submitted).
        terms.choices = [("", "Supplier's terms"), *PaymentTerms.choices]
        if self.instance.pk is None and "terms" not in (kwargs.get("initial") or {}):
            self.initial["terms"] = ""
        plants = self.fields["plant"].queryset.select_related("supplier")
        # With the supplier known (?supplier= on a reload without JavaScript, or the order's), only its plants
        # are offered; a posted form keeps every plant so the service can say "another supplier's plant".
        supplier = self.initial.get("supplier") or self.instance.supplier_id
        supplier = getattr(supplier, "pk", supplier)
        if not self.is_bound and str(supplier or "").isdigit():
            plants = plants.filter(supplier_id=int(supplier))
        self.fields["plant"].queryset = plants
        # Choosing the supplier reloads the plant list (HTMX asks this page with ?supplier= and swaps the
        # plant select); without JavaScript the form's "Show only this supplier's plants" button does the same.
        self.fields["supplier"].widget.attrs.update(
            {
                "hx-get": ".",
                "hx-trigger": "change",
                "hx-target": "#id_plant",
                "hx-select": "#id_plant",
                "hx-swap": "outerHTML",
            }
        )

    def clean_terms(self):
        """Blank terms mean the supplier's terms (the service applies the same default)."""
        terms = self.cleaned_data.get("terms")
        supplier = self.cleaned_data.get("supplier")
        if terms in (None, "") and supplier is not None:
            return supplier.payment_terms
        return terms


class PurchaseOrderLineForm(RecordForm):
    class Meta:
        model = PurchaseOrderLine
        fields = ["product", "cases", "weight", "unit_cost"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(is_archived=False)


PurchaseOrderLineFormSet = forms.formset_factory(PurchaseOrderLineForm, extra=3, can_delete=True)


def line_data(formset) -> list[dict]:
    """The filled-in, non-deleted lines of a valid formset, as service input."""
    return [
        {name: form.cleaned_data[name] for name in PurchaseOrderLineForm.Meta.fields}
        for form in formset.forms
        if form.has_changed() and form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


def initial_lines(order: PurchaseOrder) -> list[dict]:
    return [{name: getattr(line, name) for name in PurchaseOrderLineForm.Meta.fields} for line in order.lines.all()]
