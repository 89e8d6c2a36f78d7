"""keyset_iterator: every row once, in the queryset's own order, a bounded number of rows per statement."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.partners.models import Customer
from apps.partners.tests.factories import CustomerFactory
from backend.chunks import keyset_iterator


@pytest.fixture
def customers(tenant_a):
    with schema_context(tenant_a.tenant.schema_name):
        # Duplicate names, cities with blanks and NULL-free ties: the primary key must break them.
        for number in range(23):
            CustomerFactory(name=f"Buyer {number % 5}", city=["Boston", "Austin", ""][number % 3])
        yield Customer.objects.all()


@pytest.mark.parametrize(
    "ordering",
    [("name",), ("-name",), ("city", "-name"), ("-city", "name", "-pk"), ("-pk",), ("code",)],
)
def test_rows_come_once_in_the_querysets_order(customers, ordering):
    queryset = customers.order_by(*ordering)
    # Ties are broken by the primary key (PostgreSQL leaves their order open).
    tie_broken = ordering if {"pk", "-pk"} & set(ordering) else (*ordering, "pk")
    with schema_context("alpha"):
        expected = list(customers.order_by(*tie_broken).values_list("pk", flat=True))
        seen = [row.pk for row in keyset_iterator(queryset, chunk_size=4)]
        assert seen == expected


def test_values_list_querysets_and_model_ordering(customers):
    with schema_context("alpha"):
        queryset = customers.values_list("code", "name")
        assert list(keyset_iterator(queryset, chunk_size=5)) == list(queryset)


def test_each_statement_asks_for_one_chunk(customers):
    with schema_context("alpha"), CaptureQueriesContext(connection) as queries:
        rows = list(keyset_iterator(customers.order_by("name"), chunk_size=10))
    assert len(rows) == 23
    # keys + rows per chunk (3 chunks); no statement reads more than the chunk.
    assert len(queries) == 6
    assert all("LIMIT 10" in query["sql"] for query in queries.captured_queries[::2])
