"""CSV import of compliance items: every row validated with the page form (partners by code, people by
e-mail) and written with the item service; one rejected row writes nothing (apps.records.csv_io)."""

from __future__ import annotations

from apps.records.csv_io import ImportResult, csv_import

from . import services
from .forms import IMPORT_COLUMNS, ComplianceItemImportForm


def complianceitem_import(*, user, upload) -> ImportResult:
    return csv_import(
        upload=upload,
        user=user,
        columns=IMPORT_COLUMNS,
        form_class=ComplianceItemImportForm,
        find_existing=lambda data: None,  # items have no natural key: every row creates one
        create=services.complianceitem_create,
        update=services.complianceitem_update,
    )
