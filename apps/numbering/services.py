"""Gap-free document numbers (`PO-2026-00001`, `SO-…`, `INV-…`) allocated inside the creating transaction.

The counter row for (kind, year) is locked with SELECT … FOR UPDATE until the caller commits, so two
concurrent creations queue on it instead of colliding, and a creation that rolls back also rolls back its
increment: the next creation reuses the number, leaving no gap. A PostgreSQL SEQUENCE would be faster but
never gives numbers back, and invoice numbering must not skip.
"""

from __future__ import annotations

from django.db import connection

from .models import NumberSequence

DIGITS = 5


def sequence_next_value(*, kind: str, year: int) -> int:
    """The next number for (kind, year); must run inside the transaction that stores the document."""
    if not connection.in_atomic_block:
        raise RuntimeError("sequence_next_value must run inside the creating transaction (transaction.atomic).")
    table = connection.ops.quote_name(NumberSequence._meta.db_table)
    with connection.cursor() as cursor:
        # Make sure the row exists without racing on its creation; then lock it.
        cursor.execute(
            f"INSERT INTO {table} (kind, year, last_value) VALUES (%s, %s, 0) ON CONFLICT (kind, year) DO NOTHING",
            [kind, year],
        )
    counter = NumberSequence.objects.select_for_update().get(kind=kind, year=year)
    counter.last_value += 1
    counter.save(update_fields=["last_value"])
    return counter.last_value


def document_number_next(*, kind: str, year: int) -> str:
    """`<kind>-<year>-<5 digits>`, e.g. `PO-2026-00001`; same transaction rule as `sequence_next_value`."""
    return f"{kind}-{year}-{sequence_next_value(kind=kind, year=year):0{DIGITS}d}"
