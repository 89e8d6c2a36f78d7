"""The product catalogue a broker trades (PRODUCT.md §5, DOM-24)."""

from __future__ import annotations

import re
from decimal import Decimal

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models

from apps.records.models import TrackedRecord, code_validator, search_document, search_index

# NAMP (North American Meat Processors) item numbers: 3-4 digits with an optional letter, e.g. 189A, 1112.
namp_validator = RegexValidator(r"^\d{3,4}[A-Z]?$", "Use a NAMP item number such as 189A or 1112.", flags=re.IGNORECASE)
usda_item_validator = RegexValidator(
    r"^[A-Z0-9][A-Z0-9.-]{0,19}$", "Use letters, digits, dots or dashes (up to 20 characters).", flags=re.IGNORECASE
)


class Product(TrackedRecord):
    class Protein(models.TextChoices):
        BEEF = "beef", "Beef"
        PORK = "pork", "Pork"
        POULTRY = "poultry", "Poultry"
        LAMB = "lamb", "Lamb"
        VEAL = "veal", "Veal"
        OTHER = "other", "Other"

    class Storage(models.TextChoices):
        FRESH = "fresh", "Fresh"
        FROZEN = "frozen", "Frozen"

    class WeightType(models.TextChoices):
        NET = "net", "Net weight"
        CATCH = "catch", "Catch weight"

    class Unit(models.TextChoices):
        LB = "lb", "lb"
        KG = "kg", "kg"

    class PackageType(models.TextChoices):
        BOX = "box", "Box"
        COMBO = "combo", "Combo bin"
        VACUUM = "vacuum", "Vacuum pack"
        TRAY = "tray", "Tray pack"
        BAG = "bag", "Bag"
        TOTE = "tote", "Tote"
        OTHER = "other", "Other"

    code = models.CharField(max_length=20, unique=True, validators=[code_validator])
    description = models.CharField(max_length=200)
    namp_code = models.CharField("NAMP item", max_length=5, blank=True, validators=[namp_validator])
    usda_item_code = models.CharField("USDA item code", max_length=20, blank=True, validators=[usda_item_validator])
    protein = models.CharField(max_length=10, choices=Protein.choices)
    storage = models.CharField("fresh or frozen", max_length=6, choices=Storage.choices, default=Storage.FRESH)
    weight_type = models.CharField(max_length=5, choices=WeightType.choices, default=WeightType.NET)
    unit = models.CharField(max_length=2, choices=Unit.choices, default=Unit.LB)
    package_type = models.CharField(max_length=10, choices=PackageType.choices, default=PackageType.BOX)
    case_weight = models.DecimalField(
        "nominal case weight",
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"), message="The case weight must be greater than zero.")],
    )
    is_edible = models.BooleanField("edible", default=True)
    search_text = search_document("code", "description", "namp_code", "usda_item_code")

    class Meta:
        ordering = ["code"]
        indexes = [
            models.Index(fields=["is_archived", "code"], name="product_active_code_idx"),
            models.Index(fields=["is_archived", "description"], name="product_active_desc_idx"),
            models.Index(fields=["protein", "storage"], name="product_protein_storage_idx"),
            search_index("product"),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.description}"

    @property
    def name(self) -> str:
        return self.description

    def clean(self) -> None:
        super().clean()
        self.code = (self.code or "").strip().upper()
        self.namp_code = (self.namp_code or "").strip().upper()
        self.usda_item_code = (self.usda_item_code or "").strip().upper()
