"""Document and ledger pages on tenant hosts."""

from django.urls import path

from . import bill_views, credit_views, ledger_views, views

app_name = "documents"
urlpatterns = [
    path("settings/company/", views.company_details, name="company_details"),
]

# Named without the namespace (like each record's own pages), so `{% url 'invoice-pdf' pk %}` works.
record_urlpatterns = [
    path("invoices/<int:pk>/pdf/", views.document_pdf, {"kind": "invoice"}, name="invoice-pdf"),
    path("invoices/<int:pk>/send/", views.document_send, {"kind": "invoice"}, name="invoice-send"),
    path("purchase-orders/<int:pk>/pdf/", views.document_pdf, {"kind": "purchaseorder"}, name="purchaseorder-pdf"),
    path("purchase-orders/<int:pk>/send/", views.document_send, {"kind": "purchaseorder"}, name="purchaseorder-send"),
    path("sales-orders/<int:pk>/pdf/", views.document_pdf, {"kind": "salesorder"}, name="salesorder-pdf"),
    path("claims/<int:pk>/pdf/", views.document_pdf, {"kind": "claim"}, name="claim-pdf"),
    path("sales-orders/<int:pk>/send/", views.document_send, {"kind": "salesorder"}, name="salesorder-send"),
    path("claims/<int:pk>/send/", views.document_send, {"kind": "claim"}, name="claim-send"),
    path("customers/<int:pk>/account/", ledger_views.customer_account, name="customer-account"),
    path("customers/<int:pk>/statement.pdf", ledger_views.statement_pdf, name="customer-statement-pdf"),
    path("customers/<int:pk>/statement.csv", ledger_views.statement_csv, name="customer-statement-csv"),
    path("customers/<int:pk>/statement/send/", ledger_views.statement_send, name="customer-statement-send"),
    path("suppliers/<int:pk>/account/", ledger_views.supplier_account, name="supplier-account"),
    path("customers/<int:pk>/credits/apply/", credit_views.credit_apply, name="customer-credit-apply"),
    path("purchase-orders/<int:pk>/bill/", bill_views.supplier_bill, name="purchaseorder-bill"),
]
