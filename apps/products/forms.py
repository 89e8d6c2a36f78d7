"""Page form for products; the model holds the rules."""

from django import forms

from .models import Product


class ProductForm(forms.ModelForm):
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
