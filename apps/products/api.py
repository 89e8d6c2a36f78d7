"""REST API for products under /api/v1/products/."""

from __future__ import annotations

from apps.records.api import RECORD_READ_ONLY_FIELDS, CsvViewSetMixin, RecordSerializer, RecordViewSet

from .forms import ProductForm
from .models import Product
from .resources import PRODUCTS


class ProductSerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = Product
        fields = [*RECORD_READ_ONLY_FIELDS, *ProductForm.Meta.fields]


class ProductViewSet(CsvViewSetMixin, RecordViewSet):
    resource = PRODUCTS
    serializer_class = ProductSerializer
