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

    def __init__(self, *args, customer=None, supplier=None, **kwargs):
        """With the payment's `customer` (or `supplier`) id known, only that partner's open invoices (or
        purchase orders) are offered; without JavaScript the page is reloaded with the partner chosen."""
        super().__init__(*args, **kwargs)
        invoices = Invoice.objects.filter(status__in=Invoice.OPEN_STATUSES).select_related("customer")
        orders = PurchaseOrder.objects.exclude(
            status__in=[PurchaseOrder.Status.DRAFT, PurchaseOrder.Status.CANCELLED]
        ).select_related("supplier")
        self.fields["invoice"].queryset = invoices.filter(customer_id=customer) if customer else invoices
        self.fields["purchase_order"].queryset = orders.filter(supplier_id=supplier) if supplier else orders

    def _post_clean(self):
        # Which target is required depends on the payment's kind: the service decides.
        pass


AllocationFormSet = forms.formset_factory(AllocationForm, extra=3)


def partner_ids(data) -> dict[str, int | None]:
    """The customer / supplier ids a payment form's data names (for `AllocationForm`), None when absent."""
    ids = {}
    for name in ("customer", "supplier"):
        value = (data.get(name) or "").strip()
        ids[name] = int(value) if value.isdigit() else None
    return ids


def allocation_data(formset) -> list[dict]:
    return [
        {name: value for name, value in form.cleaned_data.items() if value is not None}
        for form in formset.forms
        if form.has_changed() and form.cleaned_data
    ]
