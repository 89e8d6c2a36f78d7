"""Page forms for payments (with an allocation formset). Rules live in the services."""

from __future__ import annotations

from django import forms

from apps.purchasing.models import PurchaseOrder
from apps.records.forms import RecordForm

from .models import Invoice, Payment, PaymentAllocation


class PaymentForm(RecordForm):
    class Meta:
        model = Payment
        fields = ["kind", "customer", "supplier", "received_on", "amount", "reference"]
        widgets = {"received_on": forms.DateInput(attrs={"type": "date"})}
        help_texts = {"customer": "For a customer receipt.", "supplier": "For a supplier payment."}


class InvoiceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, invoice: Invoice) -> str:
        return f"{invoice.number} · {invoice.customer.name} · open {invoice.balance}"


class PurchaseOrderChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, order: PurchaseOrder) -> str:
        return f"{order.number} · {order.supplier.name}"


class AllocationForm(forms.ModelForm):
    invoice = InvoiceChoiceField(queryset=Invoice.objects.none(), required=False)
    purchase_order = PurchaseOrderChoiceField(queryset=PurchaseOrder.objects.none(), required=False)

    class Meta:
        model = PaymentAllocation
        fields = ["invoice", "purchase_order", "amount"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invoice"].queryset = Invoice.objects.filter(status__in=Invoice.OPEN_STATUSES).select_related(
            "customer"
        )
        self.fields["purchase_order"].queryset = PurchaseOrder.objects.exclude(
            status__in=[PurchaseOrder.Status.DRAFT, PurchaseOrder.Status.CANCELLED]
        ).select_related("supplier")

    def _post_clean(self):
        # Which target is required depends on the payment's kind: the service decides.
        pass


AllocationFormSet = forms.formset_factory(AllocationForm, extra=3)


def allocation_data(formset) -> list[dict]:
    return [
        {name: value for name, value in form.cleaned_data.items() if value is not None}
        for form in formset.forms
        if form.has_changed() and form.cleaned_data
    ]
