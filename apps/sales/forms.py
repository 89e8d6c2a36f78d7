"""Page forms for sales orders: header, line formset (with the purchase line it is sold from), and the
confirmation form carrying a credit-limit override reason."""

from __future__ import annotations

import json

from django import forms

from apps.partners.models import Location
from apps.products.models import Product
from apps.purchasing.models import PurchaseOrderLine
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
        left = getattr(line, "cases_left", line.cases)
        price = f"{line.billed_weight} @ {line.unit_cost}"
        return f"{line.order.number} · {line.product.code} · {left} of {line.cases} cs left · {price}"


class SalesOrderLineForm(RecordForm):
    source = SourceChoiceField(queryset=sourceable_purchase_lines(), required=False, label="Sold from")

    class Meta:
        model = SalesOrderLine
        fields = ["product", "source", "cases", "weight", "unit_price"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(is_archived=False)
        # The product may be left empty when the line is sold from a purchase line: that line implies it.
        self.fields["product"].required = False
        self.fields["product"].help_text = "Implied by the purchase line it is sold from."
        # Only purchase lines with cases left, plus the one this line already sells from (when editing).
        current = self.initial.get("source")
        self.fields["source"].queryset = sourceable_purchase_lines(
            available_only=True, keep=[getattr(current, "pk", current)]
        )

        # The product follows from the purchase line: shown as soon as one is chosen. HTMX posts the form as a
        # "refresh" (nothing is saved) with this row's product emptied, and swaps in the product; without
        # JavaScript "More lines" does the same for rows left without a product. Rows that have one (an
        # order being edited) cost no query.
        current = getattr(current, "pk", current)
        if not self.is_bound and not self.initial.get("product") and str(current or "").isdigit():
            implied = PurchaseOrderLine.objects.filter(pk=int(current)).values_list("product_id", flat=True).first()
            if implied:
                self.initial["product"] = implied
        self.fields["source"].widget.attrs.update(
            {
                "hx-post": ".",
                "hx-trigger": "change",
                "hx-vals": json.dumps({"refresh_rows": "1", f"{self.prefix}-product": ""}),
                # Only this row's product select is swapped, so what is typed meanwhile stays.
                "hx-target": f"#id_{self.prefix}-product",
                "hx-select": f"#id_{self.prefix}-product",
                "hx-swap": "outerHTML",
            }
        )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("product"):
            if cleaned.get("source"):
                cleaned["product"] = cleaned["source"].product
            elif self.has_changed() and not cleaned.get("DELETE"):
                self.add_error("product", "Choose a product, or the purchase line it is sold from.")
        return cleaned


SalesOrderLineFormSet = forms.formset_factory(SalesOrderLineForm, extra=3, can_delete=True)


def line_data(formset) -> list[dict]:
    return [
        {name: form.cleaned_data[name] for name in SalesOrderLineForm.Meta.fields}
        for form in formset.forms
        if form.has_changed() and form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


def initial_lines(order: SalesOrder) -> list[dict]:
    return [{name: getattr(line, name) for name in SalesOrderLineForm.Meta.fields} for line in order.lines.all()]
