"""factory_boy factories for products."""

from decimal import Decimal

import factory

from apps.products.models import Product


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    code = factory.Sequence(lambda n: f"PRD{n:04d}")
    description = factory.Sequence(lambda n: f"Beef ribeye lip-on {n}")
    namp_code = "112A"
    protein = Product.Protein.BEEF
    case_weight = Decimal("60.00")
