"""Accounting pages under /invoices/ and /payments/."""

from .views import InvoicePages, PaymentPages

urlpatterns = [*InvoicePages().urls(), *PaymentPages().urls()]
