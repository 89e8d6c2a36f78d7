"""Browser pages for products (list, detail, forms, archive, CSV import/export)."""

from __future__ import annotations

from apps.records.pages import Column, RecordPages

from .resources import PRODUCTS


class ProductPages(RecordPages):
    resource = PRODUCTS
    columns = [
        Column("code", "Code", sort="code", link=True),
        Column("description", "Description", sort="description"),
        Column("namp_code", "NAMP", sort="namp_code"),
        Column("protein", "Protein"),
        Column("storage", "Fresh/frozen"),
        Column("weight_type", "Weight"),
        Column("case_weight", "Case wt.", sort="case_weight", kind="number"),
        Column("unit", "Unit"),
    ]
    detail_fields = [
        Column("code", "Code"),
        Column("description", "Description"),
        Column("namp_code", "NAMP item"),
        Column("usda_item_code", "USDA item code"),
        Column("protein", "Protein"),
        Column("storage", "Fresh or frozen"),
        Column("weight_type", "Net or catch weight"),
        Column("unit", "Unit"),
        Column("package_type", "Package"),
        Column("case_weight", "Nominal case weight"),
        Column("is_edible", "Edible"),
    ]
