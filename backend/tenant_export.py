"""A tenant's full export: every table of its schema as JSON plus its uploaded files, in one zip.

The zip holds `tables/<table>.json` (a JSON array of rows, each row as PostgreSQL's `row_to_json`),
`files/<path>` for every file under the tenant's storage prefix `<schema>/` (earlier exports excluded)
and `manifest.json` (schema, time, row count per table, file count). It is written to a temporary
file, then stored through the default storage as `<schema>/exports/<schema>-<timestamp>.zip`.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from collections.abc import Iterator

from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.db import connection
from django.utils import timezone

EXPORTS_DIR = "exports"


def tenant_tables(schema: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY c.relname",
            [schema],
        )
        return [row[0] for row in cursor.fetchall()]


def storage_files(storage: Storage, prefix: str) -> Iterator[str]:
    """Every file name under `prefix` (recursive), for any Django storage (filesystem, memory, S3)."""
    try:
        directories, files = storage.listdir(prefix)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in sorted(files):
        yield f"{prefix}/{name}"
    for directory in sorted(directories):
        yield from storage_files(storage, f"{prefix}/{directory}")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _write_table(archive: zipfile.ZipFile, schema: str, table: str) -> int:
    count = 0
    with archive.open(f"tables/{table}.json", "w") as out, connection.cursor() as cursor:
        cursor.execute(f"SELECT row_to_json(t)::text FROM {_quote(schema)}.{_quote(table)} t ORDER BY 1")
        out.write(b"[")
        while rows := cursor.fetchmany(1000):
            for (row,) in rows:
                out.write((b",\n" if count else b"\n") + row.encode())
                count += 1
        out.write(b"\n]\n")
    return count


def build_export(*, schema: str, storage: Storage | None = None) -> str:
    """Write the export zip for `schema` and return its storage name."""
    storage = storage or default_storage
    started = timezone.now()
    exports_prefix = f"{schema}/{EXPORTS_DIR}/"
    with tempfile.TemporaryFile() as spool:
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            rows = {table: _write_table(archive, schema, table) for table in tenant_tables(schema)}
            files = 0
            for name in storage_files(storage, schema):
                if name.startswith(exports_prefix):
                    continue
                with storage.open(name, "rb") as source, archive.open(f"files/{name[len(schema) + 1 :]}", "w") as out:
                    for chunk in iter(lambda: source.read(1 << 20), b""):
                        out.write(chunk)
                files += 1
            manifest = {"schema": schema, "created_at": started.isoformat(), "tables": rows, "files": files}
            archive.writestr("manifest.json", json.dumps(manifest, indent=2, sort_keys=True))
        spool.seek(0)
        return storage.save(f"{exports_prefix}{schema}-{started:%Y%m%d-%H%M%S}.zip", File(spool))


def delete_storage_prefix(*, prefix: str, storage: Storage | None = None) -> int:
    """Delete every file under `prefix`; returns how many."""
    storage = storage or default_storage
    names = list(storage_files(storage, prefix))
    for name in names:
        storage.delete(name)
    return len(names)
