"""Page form for opening a claim."""

from __future__ import annotations

from django import forms

from apps.purchasing.models import PurchaseOrderLine
from apps.records.forms import RecordForm
from apps.sales.models import SalesOrderLine

from .models import Claim


class SalesLineChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, line: SalesOrderLine) -> str:
        return f"{line.order.number} · {line.order.customer.name} · {line.product.code} · {line.amount}"


class PurchaseLineChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, line: PurchaseOrderLine) -> str:
        return f"{line.order.number} · {line.order.supplier.name} · {line.product.code} · {line.amount}"


class ClaimForm(RecordForm):
    """Either a sales-order line (customer claim) or a purchase-order line (claim on the supplier)."""

    sales_line = SalesLineChoiceField(queryset=SalesOrderLine.objects.none(), label="Sales order line", required=False)
    purchase_line = PurchaseLineChoiceField(
        queryset=PurchaseOrderLine.objects.none(), label="Purchase order line", required=False
    )

    class Meta:
        model = Claim
        fields = ["sales_line", "purchase_line", "reason", "amount", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sales_line"].queryset = SalesOrderLine.objects.filter(
            order__status__in=["shipped", "delivered", "invoiced"]
        ).select_related("order__customer", "product")
        self.fields["purchase_line"].queryset = PurchaseOrderLine.objects.filter(
            order__status__in=["received", "closed"]
        ).select_related("order__supplier", "product")
