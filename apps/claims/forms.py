"""Page form for opening a claim."""

from __future__ import annotations

from django import forms

from apps.records.forms import RecordForm
from apps.sales.models import SalesOrderLine

from .models import Claim


class SalesLineChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, line: SalesOrderLine) -> str:
        return f"{line.order.number} · {line.order.customer.name} · {line.product.code} · {line.amount}"


class ClaimForm(RecordForm):
    sales_line = SalesLineChoiceField(queryset=SalesOrderLine.objects.none(), label="Order line")

    class Meta:
        model = Claim
        fields = ["sales_line", "reason", "amount", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sales_line"].queryset = SalesOrderLine.objects.filter(
            order__status__in=["shipped", "delivered", "invoiced"]
        ).select_related("order__customer", "product")
