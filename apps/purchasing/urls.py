"""Purchase-order pages under /purchase-orders/."""

from .views import PurchaseOrderPages

urlpatterns = PurchaseOrderPages().urls()
