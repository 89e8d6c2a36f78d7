"""One database transaction per request, opened right after tenant routing.

Behind a transaction pooler this makes the request's statements one unit on one server connection
(the first statement begins the transaction, backend.postgresql), and its writes all-or-nothing: a
response of 500 or more (Django turns a view's exception into one before it reaches this middleware)
rolls the transaction back; a DRF or form error answer (4xx) commits what was written, as before.

The transaction ends before a streamed response's body is produced: the body's queries run after it,
each in its own transaction with its own search_path (backend.postgresql), bounded in memory by keyset
chunks (backend.chunks). A view marked `@transaction.non_atomic_requests` is left out (signup provisions
a schema, which needs pg_dump to see committed data first). Inside an outer transaction (tests) the
request joins it.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.urls import Resolver404, get_resolver


class RequestTransactionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        connection = connections[DEFAULT_DB_ALIAS]
        if connection.in_atomic_block or _non_atomic(request):
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
