"""Iterate a queryset in its own order, chunk by chunk (keyset pagination), with bounded memory.

Behind a transaction pooler Django cannot use server-side cursors (DISABLE_SERVER_SIDE_CURSORS), and
`QuerySet.iterator()` then loads the whole result at once. `keyset_iterator` instead asks for the next
`chunk_size` keys after the last one seen — `WHERE (ordering keys) > (last keys) ORDER BY … LIMIT n` —
so memory is bounded by the chunk and each chunk is one short statement (no cursor, no transaction held
across chunks). The queryset's ordering (or the model's) is kept; the primary key breaks ties.

Rows changed while the export runs show up as of the chunk that reads them, as with any pagination.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import reduce
from operator import and_, or_
from typing import Any

from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy


def _ordering(queryset: QuerySet) -> list[tuple[str, bool]]:
    """(field path, descending) pairs of the queryset's ordering, ending with the primary key."""
    query = queryset.query
    raw = list(query.order_by) if query.order_by else list(query.get_meta().ordering if query.default_ordering else [])
    pk_name = query.get_meta().pk.name
    ordering: list[tuple[str, bool]] = []
    for item in raw:
        if isinstance(item, OrderBy) and isinstance(item.expression, F):
            ordering.append((item.expression.name, item.descending))
        elif isinstance(item, F):
            ordering.append((item.name, False))
        elif isinstance(item, str) and item != "?":
            ordering.append((item.lstrip("-"), item.startswith("-")))
        else:
            raise ValueError(f"keyset_iterator cannot order by {item!r}")
    ordering = [("pk" if name == pk_name else name, desc) for name, desc in ordering]
    if not any(name == "pk" for name, _ in ordering):
        ordering.append(("pk", False))
    return ordering


def _after(name: str, descending: bool, value: Any) -> Q:
    """Rows strictly after `value` on this key (PostgreSQL: NULLS LAST ascending, FIRST descending)."""
    if value is None:
        return Q(**{f"{name}__isnull": False}) if descending else Q(pk__in=[])
    if descending:
        return Q(**{f"{name}__lt": value})
    return Q(**{f"{name}__gt": value}) | Q(**{f"{name}__isnull": True})


def _same(name: str, value: Any) -> Q:
    return Q(**{f"{name}__isnull": True}) if value is None else Q(**{name: value})


def _after_keys(ordering: list[tuple[str, bool]], keys: tuple) -> Q:
    alternatives = []
    for index, (name, descending) in enumerate(ordering):
        equal = [_same(ordering[j][0], keys[j]) for j in range(index)]
        alternatives.append(reduce(and_, [*equal, _after(name, descending, keys[index])]))
    return reduce(or_, alternatives)


def keyset_iterator(queryset: QuerySet, *, chunk_size: int = 1000) -> Iterator[Any]:
    """The queryset's rows (instances, dicts or tuples, as it yields them) in its order, `chunk_size`
    rows per statement. A sliced queryset is iterated as it is."""
    if queryset.query.is_sliced:
        yield from queryset
        return
    ordering = _ordering(queryset)
    order_by = [f"-{name}" if descending else name for name, descending in ordering]
    keys_query = queryset.values_list(*(name for name, _ in ordering)).order_by(*order_by)
    last: tuple | None = None
    while True:
        page = keys_query if last is None else keys_query.filter(_after_keys(ordering, last))
        keys = list(page[:chunk_size])
        if not keys:
            return
        # The chunk's rows, sorted by the same ordering: exactly the run between the previous and last key.
        yield from queryset.filter(pk__in=[key[-1] for key in keys]).order_by(*order_by)
        if len(keys) < chunk_size:
            return
        last = keys[-1]
