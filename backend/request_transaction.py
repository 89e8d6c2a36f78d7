"""One database transaction per writing request, opened right after tenant routing.

A POST/PUT/PATCH/DELETE runs in one transaction: its statements are one unit on one server connection
behind the pooler (the first statement begins the transaction, backend.postgresql: queries + 1
statements), and its writes are all-or-nothing: a response of 500 or more (Django turns a view's
exception into one before it reaches this middleware) rolls it back; a DRF or form error answer (4xx)
commits what was written, as before.

GET, HEAD and OPTIONS stay in autocommit: each statement carries its own search_path and is its own
transaction (queries, no +1), so a server connection is held only while a statement runs, not while
Python renders between statements. Measured through PgBouncer with a pool smaller than the app's
threads (bench/stack.py), holding one for the whole request cost up to 40 % of throughput at 8 clients.

The transaction ends before a streamed response's body is produced: the body's queries run after it,
each in its own transaction with its own search_path (backend.postgresql), bounded in memory by keyset
chunks (backend.chunks). A view marked `@transaction.non_atomic_requests` is left out (signup provisions
a schema, which needs pg_dump to see committed data first). Inside an outer transaction (tests) the
request joins it.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.urls import Resolver404, get_resolver

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class RequestTransactionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        connection = connections[DEFAULT_DB_ALIAS]
        if request.method in READ_METHODS or connection.in_atomic_block or _non_atomic(request):
            return self.get_response(request)
        with transaction.atomic():
            response = self.get_response(request)
            if response.status_code >= 500:
                transaction.set_rollback(True)
        return response


def _non_atomic(request) -> bool:
    try:
        match = get_resolver(getattr(request, "urlconf", None)).resolve(request.path_info)
    except Resolver404:
        return False
    return DEFAULT_DB_ALIAS in getattr(match.func, "_non_atomic_requests", ())
