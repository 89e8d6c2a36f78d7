"""Recording the supplier's invoice (bill) for a purchase order: /purchase-orders/<pk>/bill/. Until it is
recorded, a received order shows on the supplier's account page as "received, not invoiced"."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from apps.accounting import ledgers
from apps.accounting import services as accounting
from apps.accounting.models import SupplierBill
from apps.accounts.permissions import Capability
from apps.records.pages import form_errors_from
from apps.records.services import RecordInvalid
from backend.clock import tenant_today

from .rendering import purchase_order_queryset
from .views import fetch, refuse


class SupplierBillForm(forms.ModelForm):
    class Meta:
        model = SupplierBill
        fields = ["number", "billed_on", "amount"]
        widgets = {"billed_on": forms.DateInput(attrs={"type": "date"})}


def supplier_bill(request: HttpRequest, pk: int) -> HttpResponse:
    if refused := refuse(request, Capability.APPROVE):
        return refused
    order = fetch(request, purchase_order_queryset(), pk)
    existing = SupplierBill.objects.filter(purchase_order=order).first()
    amount = order.total
    form = SupplierBillForm(request.POST or None, initial={"billed_on": tenant_today(), "amount": amount})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                accounting.supplier_bill_record(user=request.user, purchase_order=order, **form.cleaned_data)
            except RecordInvalid as exc:
                form_errors_from(exc, form)
            else:
                messages.success(request, f"The supplier's invoice for {order.number} is recorded.")
                return redirect("purchaseorder-detail", order.pk)
        status = 400
    context = {
        "record": order,
        "form": form,
        "existing": existing,
        "amount": amount,
        "detail_url": reverse("purchaseorder-detail", args=[order.pk]),
        "account_url": reverse("supplier-account", args=[order.supplier_id]),
        "unbilled": ledgers.supplier_received_not_billed(supplier=order.supplier)[:20],
    }
    return render(request, "documents/supplier_bill.html", context, status=status)
