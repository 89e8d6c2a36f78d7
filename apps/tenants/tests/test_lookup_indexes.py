"""The case-insensitive lookups every create_tenant makes are indexed, not a seq scan over the fleet.

django-tenants' save checks `schema_name__iexact`, `domain_taken` checks `domain__iexact` and `user_ensure`
`email__iexact`: each compiles to UPPER(column) = UPPER(value), which a plain btree on the column cannot
serve. Without an index on UPPER(column) each scan grows with the tenants (bench/scale.py, create_tenant).
"""

import pytest
from django.db import connection

from apps.accounts.models import User
from apps.tenants.models import Client, Domain


@pytest.mark.parametrize(
    ("queryset", "index"),
    [
        (lambda: Client.objects.filter(schema_name__iexact="gamma"), "client_schema_name_upper_idx"),
        (lambda: Domain.objects.filter(domain__iexact="gamma.localhost"), "domain_domain_upper_idx"),
        (lambda: User.objects.filter(email__iexact="o@gamma.test"), "user_email_upper_idx"),
    ],
    ids=["schema_name", "domain", "email"],
)
def test_case_insensitive_lookups_use_an_index(db, queryset, index):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # small test tables: make the planner show its options
    assert index in queryset().explain()
