"""Applying a customer's unapplied credit (a settled claim's, a goodwill credit) to one of its open invoices
by hand: /customers/<pk>/credits/apply/. The page lists every credit of the customer with where it went.

Supplier credits need no such page: each is recorded against one purchase order (the claim's) and lowers
what is payable on that order from the start; the supplier's account page shows which."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from apps.accounting import ledgers
from apps.accounting import services as accounting
from apps.accounting.models import ZERO, CustomerCredit, Invoice
from apps.accounts.permissions import Capability
from apps.partners.models import Customer
from apps.records.pages import form_errors_from
from apps.records.services import RecordInvalid
from apps.ui.templatetags.ui import money

from .views import fetch, refuse

INVOICE_CHOICES = 200  # the oldest-due open invoices offered in the list (any open one is accepted)


class CreditApplyForm(forms.Form):
    """Only the customer's credits with something left and its open invoices are offered (and accepted)."""

    credit = forms.ModelChoiceField(queryset=CustomerCredit.objects.none(), empty_label="Choose…")
    invoice = forms.ModelChoiceField(queryset=Invoice.objects.none(), empty_label="Choose…")
    amount = forms.DecimalField(
        max_digits=14, decimal_places=2, required=False, help_text="Leave empty to apply as much as both allow."
    )

    def __init__(self, *args, customer: Customer, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        credits = (
            CustomerCredit.objects.filter(customer=customer)
            .annotate(applied=Sum("applications__amount"))
            .order_by("issued_on", "pk")
        )
        self.credits = []
        for credit in credits:
            credit.unapplied = credit.amount - (credit.applied or ZERO)
            if credit.unapplied > ZERO:
                self.credits.append(credit)
        self.fields["credit"].queryset = CustomerCredit.objects.filter(pk__in=[credit.pk for credit in self.credits])
        self.fields["credit"].widget.choices = [("", "Choose…")] + [
            (credit.pk, f"{credit.issued_on:%Y-%m-%d} · {credit.reason} · {money(credit.unapplied)} left")
            for credit in self.credits
        ]
        invoices = Invoice.objects.filter(customer=customer, status__in=Invoice.OPEN_STATUSES)
        self.fields["invoice"].queryset = invoices
        shown = list(invoices.order_by("due_on", "pk")[:INVOICE_CHOICES])
        self.fields["invoice"].widget.choices = [("", "Choose…")] + [
            (invoice.pk, f"{invoice.number} · due {invoice.due_on:%Y-%m-%d} · {money(invoice.balance)} open")
            for invoice in shown
        ]


def credit_apply(request: HttpRequest, pk: int) -> HttpResponse:
    if refused := refuse(request, Capability.APPROVE):
        return refused
    customer = fetch(request, Customer.objects.all(), pk)
    initial = {name: request.GET[name] for name in ("credit", "invoice") if request.GET.get(name, "").isdigit()}
    form = CreditApplyForm(request.POST or None, customer=customer, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            invoice = form.cleaned_data["invoice"]
            try:
                application = accounting.customer_credit_apply(
                    user=request.user,
                    credit=form.cleaned_data["credit"],
                    invoice=invoice,
                    amount=form.cleaned_data["amount"],
                )
            except RecordInvalid as exc:
                form_errors_from(exc, form)
            else:
                messages.success(request, f"{money(application.amount)} of the credit is applied to {invoice.number}.")
                return redirect(reverse("customer-account", args=[customer.pk]) + "#credits-heading")
        status = 400
    context = {
        "record": customer,
        "form": form,
        "credits": ledgers.customer_credits(customer=customer),
        "account_url": reverse("customer-account", args=[customer.pk]),
    }
    return render(request, "documents/credit_apply.html", context, status=status)
