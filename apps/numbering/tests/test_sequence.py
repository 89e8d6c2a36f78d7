"""Document numbers: format, independent counters per kind and year, a rolled-back creation frees its number."""

import pytest
from django.db import transaction
from django_tenants.utils import tenant_context

from apps.audit.tests.test_concurrent_appends import _on_own_connection
from apps.numbering.models import NumberSequence
from apps.numbering.services import document_number_next, sequence_next_value


def test_numbers_are_kind_year_and_five_digits(tenant_a):
    with tenant_context(tenant_a.tenant), transaction.atomic():
        assert document_number_next(kind="PO", year=2026) == "PO-2026-00001"
        assert document_number_next(kind="PO", year=2026) == "PO-2026-00002"


def test_each_kind_and_year_counts_on_its_own(tenant_a):
    with tenant_context(tenant_a.tenant), transaction.atomic():
        document_number_next(kind="PO", year=2026)
        assert document_number_next(kind="INV", year=2026) == "INV-2026-00001"
        assert document_number_next(kind="PO", year=2027) == "PO-2027-00001"
        assert document_number_next(kind="PO", year=2026) == "PO-2026-00002"


def test_a_rolled_back_creation_gives_its_number_back(tenant_a):
    with tenant_context(tenant_a.tenant), transaction.atomic():
        assert sequence_next_value(kind="SO", year=2026) == 1
        with pytest.raises(RuntimeError), transaction.atomic():
            assert sequence_next_value(kind="SO", year=2026) == 2
            raise RuntimeError("creation failed after taking a number")
        assert sequence_next_value(kind="SO", year=2026) == 2
        assert NumberSequence.objects.get(kind="SO", year=2026).last_value == 2


def test_tenants_have_separate_counters(tenant_a, tenant_b):
    with tenant_context(tenant_a.tenant), transaction.atomic():
        document_number_next(kind="PO", year=2026)
        document_number_next(kind="PO", year=2026)
    with tenant_context(tenant_b.tenant), transaction.atomic():
        assert document_number_next(kind="PO", year=2026) == "PO-2026-00001"


def test_numbers_are_refused_outside_a_transaction(db):
    # A number taken in autocommit mode would be committed even if the document were never stored: a gap.
    with pytest.raises(RuntimeError, match="inside the creating transaction"):
        _on_own_connection(lambda: sequence_next_value(kind="PO", year=2026))
