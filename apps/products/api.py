"""REST API for products under /api/v1/products/."""

from __future__ import annotations

from apps.records.api import RECORD_READ_ONLY_FIELDS, CsvViewSetMixin, RecordSerializer, RecordViewSet

from . import selectors, services
from .forms import ProductForm
from .models import Product


class ProductSerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = Product
        fields = [*RECORD_READ_ONLY_FIELDS, *ProductForm.Meta.fields]


class ProductViewSet(CsvViewSetMixin, RecordViewSet):
    queryset = selectors.product_queryset()
    serializer_class = ProductSerializer
    filterset_class = selectors.ProductFilter
    get_for_user = staticmethod(selectors.get_product_for_user)
    create_service = staticmethod(services.product_create)
    update_service = staticmethod(services.product_update)
    archive_service = staticmethod(services.product_archive)
    csv_columns = ProductForm.Meta.fields
    csv_form_class = ProductForm
    csv_filename = "products.csv"
