"""Test helpers for business record apps (imported by their tests, never by runtime code)."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

# Per request: tenant lookup, session, user, membership, count, page — each with django-tenants'
# `SET search_path` — plus room for a related-row prefetch or a filter dropdown. Never per row.
LIST_QUERY_CEILING = 16


def assert_list_queries_flat(*, client, url: str, tenant, create_rows: Callable[[int], object]) -> None:
    """A list with 3 rows and one with 23 rows take the same number of queries, under the ceiling."""
    with tenant_context(tenant):
        create_rows(3)
    # Warm up once: host routing and other per-process caches are filled by the first request.
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    with tenant_context(tenant):
        create_rows(20)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few), f"{url}: {len(few)} queries for 3 rows but {len(many)} for 23 rows"
    assert len(many) <= LIST_QUERY_CEILING, f"{url}: {len(many)} queries"
