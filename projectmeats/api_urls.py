"""The tenant REST API under /api/v1/: one DRF router for business resources, plus the OpenAPI schema."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from apps.accounting.api import InvoiceViewSet, PaymentViewSet
from apps.accounts.permissions import ApiDocsAccess
from apps.claims.api import ClaimViewSet
from apps.compliance.api import ComplianceItemViewSet, ComplianceTaskViewSet
from apps.partners.api import (
    CarrierViewSet,
    ContactViewSet,
    CustomerViewSet,
    LocationViewSet,
    PlantViewSet,
    SupplierViewSet,
)
from apps.privacy.api import ContactEraseView, ContactExportView, MemberEraseView, MemberExportView
from apps.products.api import ProductViewSet
from apps.purchasing.api import PurchaseOrderViewSet
from apps.reports.urls import api_urlpatterns as report_api_urlpatterns
from apps.sales.api import PurchaseOrderLineViewSet, SalesOrderViewSet

router = SimpleRouter()
router.register("suppliers", SupplierViewSet, basename="api-supplier")
router.register("customers", CustomerViewSet, basename="api-customer")
router.register("plants", PlantViewSet, basename="api-plant")
router.register("carriers", CarrierViewSet, basename="api-carrier")
router.register("contacts", ContactViewSet, basename="api-contact")
router.register("locations", LocationViewSet, basename="api-location")
router.register("products", ProductViewSet, basename="api-product")
router.register("compliance-items", ComplianceItemViewSet, basename="api-complianceitem")
router.register("compliance-tasks", ComplianceTaskViewSet, basename="api-compliancetask")
router.register("purchase-orders", PurchaseOrderViewSet, basename="api-purchase-order")
router.register("sales-orders", SalesOrderViewSet, basename="api-sales-order")
router.register("invoices", InvoiceViewSet, basename="api-invoice")
router.register("payments", PaymentViewSet, basename="api-payment")
router.register("claims", ClaimViewSet, basename="api-claim")
router.register("purchase-order-lines", PurchaseOrderLineViewSet, basename="api-purchase-order-line")

urlpatterns = [
    # Open when settings.API_DOCS_PUBLIC (dev/test/UAT), else ADMINISTER or platform superusers (API-09).
    path("schema/", SpectacularAPIView.as_view(permission_classes=[ApiDocsAccess]), name="api-schema"),
    path(
        "docs/",
        # The split view serves its script from ?script (script-src 'self'); our template puts the CSP nonce
        # on its one inline style, so Swagger UI renders under the Content-Security-Policy.
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", permission_classes=[ApiDocsAccess], template_name="api/swagger_ui.html"
        ),
        name="api-docs",
    ),
    *router.urls,
    *report_api_urlpatterns,
    # Data-subject rights (apps.privacy).
    path("privacy/contacts/<int:pk>/export/", ContactExportView.as_view(), name="api-privacy-contact-export"),
    path("privacy/contacts/<int:pk>/erase/", ContactEraseView.as_view(), name="api-privacy-contact-erase"),
    path("privacy/members/<int:pk>/export/", MemberExportView.as_view(), name="api-privacy-member-export"),
    path("privacy/members/<int:pk>/erase/", MemberEraseView.as_view(), name="api-privacy-member-erase"),
]
