"""A schema's data keys: loading (the provider `backend.crypto` calls), first creation, rotation, shredding.

Keys are read on Django's connection (so a transaction sees its own schema). The first keys of a schema are
created on a separate, autocommitted connection: a key must never be lost with a rolled-back request while
a process keeps it cached and goes on encrypting with it. Only a schema that is itself still uncommitted
(created in this transaction, e.g. a restore) is invisible there; its keys are then created in the current
transaction and vanish together with the schema if it rolls back (a process that cached them must not
reuse the schema name: commands run one restore per process; tests reset the cache after each test).
"""

from __future__ import annotations

import secrets

import psycopg
from django.db import connection

from backend import crypto
from backend.crypto import KeySet

from .models import DataKey

TABLE = DataKey._meta.db_table


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _table(schema: str) -> str:
    return f"{_quote(schema)}.{_quote(TABLE)}"


def _rows(cursor, schema: str) -> list[tuple[str, int, str, str]]:
    cursor.execute(f"SELECT purpose, version, master_key_id, wrapped FROM {_table(schema)}")  # noqa: S608
    return list(cursor.fetchall())


def _keyset(rows) -> KeySet | None:
    data = {version: crypto.unwrap_key(mid, wrapped) for purpose, version, mid, wrapped in rows if purpose == "data"}
    index = [crypto.unwrap_key(mid, wrapped) for purpose, _, mid, wrapped in rows if purpose == "index"]
    if not data or not index:
        return None
    return KeySet(data_keys=data, index_key=index[0])


def _new_rows() -> list[tuple[str, int, str, str]]:
    rows = []
    for purpose in (DataKey.Purpose.DATA, DataKey.Purpose.INDEX):
        master_id, wrapped = crypto.wrap_key(secrets.token_bytes(crypto.KEY_BYTES))
        rows.append((str(purpose), 1, master_id, wrapped))
    return rows


_INSERT = (
    "INSERT INTO {table} (purpose, version, master_key_id, wrapped, created_at) VALUES (%s, %s, %s, %s, now()) "
    "ON CONFLICT (purpose, version) DO NOTHING"
)


def _create_committed(schema: str) -> bool:
    """Insert version-1 keys on an autocommitted connection; False when the schema is not visible there."""
    db = connection.settings_dict
    params = {
        "dbname": db["NAME"],
        "user": db.get("USER") or "postgres",
        "password": db.get("PASSWORD") or None,
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as conn:
        exists = conn.execute("SELECT to_regclass(%s)", [f"{_quote(schema)}.{TABLE}"]).fetchone()[0]
        if exists is None:
            return False
        with conn.transaction():
            for row in _new_rows():
                conn.execute(_INSERT.format(table=_table(schema)), row)
    return True


def load_keyset(schema: str, create: bool) -> KeySet | None:
    with connection.cursor() as cursor:
        rows = _rows(cursor, schema)
        keys = _keyset(rows)
        if keys is not None or not create:
            return keys
        if _create_committed(schema):
            return _keyset(_rows(cursor, schema))
        # The schema exists only in this transaction (a restore, a test): its keys go with it.
        for row in _new_rows():
            cursor.execute(_INSERT.format(table=_table(schema)), row)
        return _keyset(_rows(cursor, schema))


def rotate_data_key(schema: str) -> int:
    """Add a new data key version for `schema` (new writes use it; old versions still decrypt)."""
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {_table(schema)} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(f"SELECT coalesce(max(version), 0) FROM {_table(schema)} WHERE purpose = 'data'")  # noqa: S608
        version = cursor.fetchone()[0] + 1
        if version == 1:
            rows = _new_rows()
        else:
            master_id, wrapped = crypto.wrap_key(secrets.token_bytes(crypto.KEY_BYTES))
            rows = [("data", version, master_id, wrapped)]
        for row in rows:
            cursor.execute(_INSERT.format(table=_table(schema)), row)
    crypto.reset_key_cache(schema)
    return version


def rewrap_keys(schema: str) -> int:
    """Re-wrap every key of `schema` under the current master key; returns how many changed."""
    current = crypto.master_keys()[0][0]
    changed = 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, master_key_id, wrapped FROM {_table(schema)} FOR UPDATE")  # noqa: S608
        for key_id, master_id, wrapped in cursor.fetchall():
            if master_id == current:
                continue
            new_master, new_wrapped = crypto.wrap_key(crypto.unwrap_key(master_id, wrapped))
            cursor.execute(
                f"UPDATE {_table(schema)} SET master_key_id = %s, wrapped = %s WHERE id = %s",  # noqa: S608
                [new_master, new_wrapped, key_id],
            )
            changed += 1
    crypto.reset_key_cache(schema)
    return changed


def destroy_keys(schema: str) -> int:
    """Delete every key of `schema`: its encrypted values become unreadable for good (crypto-shredding)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_table(schema)}")  # noqa: S608
        deleted = cursor.rowcount
    crypto.reset_key_cache(schema)
    return deleted
