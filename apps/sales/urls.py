"""Sales-order pages under /sales-orders/."""

from .views import SalesOrderPages

urlpatterns = SalesOrderPages().urls()
