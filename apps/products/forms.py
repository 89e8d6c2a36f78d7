"""Page form for products; the model holds the rules."""

from apps.records.forms import RecordForm

from .models import Product


class ProductForm(RecordForm):
    class Meta:
        model = Product
        fields = [
            "code",
            "description",
            "namp_code",
            "usda_item_code",
            "protein",
            "storage",
            "weight_type",
            "unit",
            "package_type",
            "case_weight",
            "is_edible",
        ]
