"""django-tenants' PostgreSQL backend with the search_path carried by every statement itself.

django-tenants sends a session-level `SET search_path` as a statement of its own before the queries of
a cursor. Behind PgBouncer in transaction mode consecutive statements may run on different server
connections, so a query can run under the search_path another client set (measured: 40 % of answers
from the wrong tenant, docs/adr/0001). Here nothing relies on session state:

- every statement is sent as `SET LOCAL search_path = <schema>, public; <statement>` in one query
  message — one round trip, one (implicit or explicit) transaction, so the path and the statement always
  run on the same server connection and the setting ends with the transaction;
- Django's transactions do not cost a round trip of their own: the driver stays in autocommit and the
  first statement of a Django transaction starts it (`BEGIN; SET LOCAL …; <statement>`); COMMIT and
  ROLLBACK go out as usual. A writing request, in one transaction (backend.request_transaction), sends
  its queries + 1 statements, a reading one its queries, where django-tenants sends 2 × its queries;
- `is_usable` (CONN_HEALTH_CHECKS) looks at the socket instead of sending `SELECT 1`.

Server-side (named) cursors cannot carry a prefix: they get a session-level `SET search_path` of their
own, which is only sound on a direct connection — behind the pooler set DISABLE_SERVER_SIDE_CURSORS
(production does when DIRECT_DATABASE_URL differs from DATABASE_URL, docs/deploy.md).
"""

from __future__ import annotations

import re
import select

import psycopg
from django.db.backends.postgresql.base import TIMESTAMPTZ_OID, ServerSideCursor
from django.db.backends.postgresql.base import Cursor as DjangoCursor
from django.db.backends.postgresql.psycopg_any import register_tzloader
from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper
from django_tenants.utils import quote_schema_name
from psycopg import sql
from psycopg.pq import ConnStatus, Format, TransactionStatus

__all__ = ["DatabaseWrapper"]


_NO_TRANSACTION = re.compile(
    r"\s*(CREATE\s+(DATABASE|TABLESPACE|(UNIQUE\s+)?INDEX\s+CONCURRENTLY)|DROP\s+(DATABASE|TABLESPACE|INDEX\s+CONCURRENTLY)"
    r"|REINDEX\b[^;]*\bCONCURRENTLY|VACUUM|ALTER\s+SYSTEM|CREATE\s+SUBSCRIPTION|DROP\s+SUBSCRIPTION)\b",
    re.IGNORECASE,
)


def _outside_transactions(query) -> bool:
    """Statements PostgreSQL refuses inside a transaction block (also an implicit one)."""
    if isinstance(query, bytes):
        query = query[:200].decode(errors="replace")
    return isinstance(query, str) and _NO_TRANSACTION.match(query[:200]) is not None


class PathCursor(DjangoCursor):
    """A client-side-binding cursor whose statements carry their connection's search_path."""

    wrapper: DatabaseWrapper | None = None

    def execute(self, query, params=None, **kwargs):
        prefix, results = self.wrapper.statement_prefix(query) if self.wrapper is not None else ("", 0)
        if not prefix:
            return super().execute(query, params, **kwargs)
        if isinstance(query, str):
            # With parameters psycopg reads %-placeholders in the whole text; schema names may hold a %.
            query = (prefix.replace("%", "%%") if params is not None else prefix) + query
        elif isinstance(query, bytes):
            query = (prefix.replace("%", "%%") if params is not None else prefix).encode() + query
        else:  # psycopg.sql.Composable (callproc)
            query = sql.Composed([sql.SQL(prefix.replace("%", "%%") if params is not None else prefix), query])
        super().execute(query, params, **kwargs)
        # The cursor stands on the first result; the caller's statement is the one after ours.
        for _ in range(results):
            self.nextset()
        return self

    def executemany(self, query, params_seq, **kwargs):
        # psycopg pipelines executemany through the extended protocol, which takes one statement per
        # message: run them one by one instead (Django itself rarely uses executemany).
        rowcount = 0
        for params in params_seq:
            self.execute(query, params)
            rowcount += max(self.rowcount, 0)
        self._rowcount = rowcount


class DatabaseWrapper(TenantDatabaseWrapper):
    def __init__(self, *args, **kwargs):
        self._search_path_key: tuple | None = None
        self._search_path_sql = ""
        super().__init__(*args, **kwargs)

    # --- connection -------------------------------------------------------------------------

    def get_connection_params(self):
        params = super().get_connection_params()
        if params.get("cursor_factory") is DjangoCursor:
            params["cursor_factory"] = PathCursor
        return params

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        # The driver never opens transactions itself: the first statement of a Django transaction does.
        connection.autocommit = True
        return connection

    def _set_autocommit(self, autocommit):
        # Django keeps the mode in self.autocommit; a transaction begins with its first statement.
        pass

    def is_usable(self):
        """Without a round trip: the socket is open, idle, and has nothing unexpected to read (a server
        or pooler that went away leaves an EOF there)."""
        connection = self.connection
        if connection is None or connection.closed:
            return False
        pgconn = connection.pgconn
        try:
            readable, _, _ = select.select([pgconn.socket], [], [], 0)
            if readable:
                pgconn.consume_input()
                if pgconn.is_busy() or connection.closed:
                    return False
        except (OSError, ValueError, psycopg.Error):
            return False
        return pgconn.status == ConnStatus.OK and pgconn.transaction_status == TransactionStatus.IDLE

    def create_cursor(self, name=None):
        if name:
            # Django derives WITH HOLD from the driver's autocommit, which is always on here.
            return self._named_cursor(name)
        cursor = super().create_cursor(name)
        if isinstance(cursor, PathCursor):
            cursor.wrapper = self
        return cursor

    def _named_cursor(self, name):
        connection = self.connection
        if self.settings_dict["OPTIONS"].get("server_side_binding") is True:
            cursor = connection.cursor(name, scrollable=False, withhold=self.autocommit)
        else:
            cursor = ServerSideCursor(connection, name=name, scrollable=False, withhold=self.autocommit)
        tzloader = connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
        if self.timezone != tzloader.timezone:
            register_tzloader(self.timezone, cursor)
        return cursor

    # --- search_path --------------------------------------------------------------------------

    def _cursor(self, name=None):
        # Skip django-tenants' session-level SET; unnamed cursors carry the path in each statement.
        if not name:
            return super(TenantDatabaseWrapper, self)._cursor()
        cursor = super(TenantDatabaseWrapper, self)._cursor(name=name)
        self._set_session_search_path()
        return cursor

    def search_path_sql(self) -> str:
        """`"acme", "public"` for the schema selected now (validated like django-tenants does)."""
        key = (self.schema_name, self.include_public_schema)
        if key != self._search_path_key:
            paths = self._get_cursor_search_paths()
            self._search_path_sql = ", ".join(quote_schema_name(path) for path in paths)
            self._search_path_key = key
        return self._search_path_sql

    def statement_prefix(self, query=None) -> tuple[str, int]:
        """What goes in front of the next statement, and how many results it yields."""
        status = self.connection.pgconn.transaction_status
        if status == TransactionStatus.INERROR:
            return "", 0  # only ROLLBACK (TO SAVEPOINT) can follow; a SET would fail
        if status == TransactionStatus.IDLE and self.autocommit and _outside_transactions(query):
            # CREATE DATABASE, CREATE INDEX CONCURRENTLY, VACUUM…: never in a transaction, so they cannot
            # share one with SET LOCAL. Session state: such statements are for direct connections
            # (migrations, tests), never sent through the pooler.
            with self.connection.cursor() as cursor:
                cursor.execute(f"SET search_path = {self.search_path_sql()}")
            return "", 0
        path = f"SET LOCAL search_path = {self.search_path_sql()}; "
        if status == TransactionStatus.IDLE and not self.autocommit:
            return self._begin_statement() + path, 2
        return path, 1

    def _begin_statement(self) -> str:
        level = self.settings_dict["OPTIONS"].get("isolation_level")
        if level is None:
            return "BEGIN; "
        return f"BEGIN ISOLATION LEVEL {psycopg.IsolationLevel(level).name.replace('_', ' ')}; "

    def _set_session_search_path(self) -> None:
        """For a named cursor: its DECLARE is one statement and cannot carry the path."""
        prefix, _ = self.statement_prefix()
        with self.connection.cursor() as cursor:
            if self.autocommit:
                # A WITH HOLD cursor outlives its transaction: session state, direct connections only.
                cursor.execute(f"SET search_path = {self.search_path_sql()}")
            elif prefix:
                cursor.execute(prefix.rstrip("; "))
