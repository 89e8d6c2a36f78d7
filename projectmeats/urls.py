"""URLs served on tenant hosts."""

from django.urls import include, path

from apps.audit.urls import api_urlpatterns as audit_api_urlpatterns
from apps.documents.urls import record_urlpatterns as documents_record_urlpatterns
from apps.tenants import views as tenant_views

urlpatterns = [
    path("audit/", include("apps.audit.urls")),
    path("settings/", include("apps.tenants.urls")),
    path("branding/<str:kind>/", tenant_views.branding_file, name="branding_file"),
    path("", include(audit_api_urlpatterns)),
    path("", include("apps.accounts.urls_signin")),
    path("", include("apps.accounts.urls")),
    path("api/v1/", include("projectmeats.api_urls")),
    # Before the record pages: /invoices/<pk>/<verb>/ would take /invoices/<pk>/pdf/ (issue 19).
    path("", include(documents_record_urlpatterns)),
    path("", include("apps.partners.urls")),
    path("", include("apps.products.urls")),
    path("", include("apps.compliance.urls")),
    path("", include("apps.purchasing.urls")),
    path("", include("apps.sales.urls")),
    path("", include("apps.accounting.urls")),
    path("", include("apps.claims.urls")),
    path("", include("apps.ui.urls")),
    # The dashboard at / (replaces the tenant welcome page) and /reports/.
    path("", include("apps.reports.urls")),
    # Company details, PDFs, e-mailing and partner ledgers (issue 19).
    path("", include("apps.documents.urls")),
    # Subject rights and retention (issue 16).
    path("privacy/", include("apps.privacy.urls")),
]

handler404 = "backend.errors.page_not_found"
handler403 = "backend.errors.permission_denied"
handler500 = "backend.errors.server_error"
