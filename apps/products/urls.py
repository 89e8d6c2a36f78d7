"""Product pages under /products/."""

from .views import ProductPages

urlpatterns = ProductPages().urls()
