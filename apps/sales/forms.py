"""Page forms for sales orders: header, line formset (with the purchase line it is sold from), and the
confirmation form carrying a credit-limit override reason."""

from __future__ import annotations

from django import forms

from apps.partners.models import Location
from apps.products.models import Product
from apps.records.forms import RecordForm

from .models import SalesOrder, SalesOrderLine
from .selectors import sourceable_purchase_lines


class SalesOrderForm(RecordForm):
    class Meta:
        model = SalesOrder
        fields = ["customer", "ship_to", "delivery_date", "notes"]
        widgets = {
            "delivery_date": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {"ship_to": "One of the customer's ship-to locations."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ship_to"].queryset = Location.objects.filter(
            is_archived=False, kind=Location.Kind.SHIP_TO, customer__isnull=False
        ).select_related("customer")
        self.fields["ship_to"].label_from_instance = lambda location: f"{location.customer.name} — {location}"


class SourceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, line) -> str:
        return f"{line.order.number} · {line.product.code} · {line.cases} cs / {line.billed_weight} @ {line.unit_cost}"


class SalesOrderLineForm(RecordForm):
    source = SourceChoiceField(queryset=sourceable_purchase_lines(), required=False, label="Sold from")

    class Meta:
        model = SalesOrderLine
        fields = ["product", "source", "cases", "weight", "unit_price"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(is_archived=False)
        self.fields["source"].queryset = sourceable_purchase_lines()


SalesOrderLineFormSet = forms.formset_factory(SalesOrderLineForm, extra=3, can_delete=True)


def line_data(formset) -> list[dict]:
    return [
        {name: form.cleaned_data[name] for name in SalesOrderLineForm.Meta.fields}
        for form in formset.forms
        if form.has_changed() and form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


def initial_lines(order: SalesOrder) -> list[dict]:
    return [{name: getattr(line, name) for name in SalesOrderLineForm.Meta.fields} for line in order.lines.all()]
