"""backup_tenant / restore_tenant: a dump restored under a new schema name keeps every row, verified.

pg_dump reads through its own connection, so the data must be committed: everything here runs on
separate connections in their own threads (as in apps/audit/tests/test_concurrent_appends.py), against
tenants created for this module and removed afterwards; the tests' own transactions never touch them.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from apps.accounts.models import User
from apps.audit.chain import verify_chain
from apps.audit.services import audit_record
from apps.audit.tests.test_concurrent_appends import _on_own_connection as _own_connection
from apps.tenants.models import Client, Domain
from apps.tenants.services import tenant_create
from backend.backups import sign_manifest, table_stats

SOURCE = "bk_src"
TRICKY = [
    'mentions bk_src and "bk_src".audit',
    "quote ' and tab\tand\nnewline",
    "ünïcödé ✓",
    "%s %(x)s",
    # Lines of a multi-line value that look like dump syntax must survive untouched.
    "first line\n-- not a comment\nSET search_path = '';\n\\restrict x",
    "\n--\n",
]


def _command(*args: str) -> str:
    def run() -> str:
        from io import StringIO

        out = StringIO()
        call_command(*args, stdout=out)
        return out.getvalue()

    return _own_connection(run)


def _stats(schema: str) -> dict:
    def run():
        with connection.cursor() as cursor:
            return table_stats(cursor, schema)

    return _own_connection(run)


def _cleanup(schemas: list[str]) -> None:
    def run() -> None:
        with transaction.atomic():
            Client.objects.filter(schema_name__in=schemas).delete()  # cascades to domains and memberships
            User.objects.filter(email__endswith="@bk.test").delete()
            with connection.cursor() as cursor:
                for schema in schemas:
                    cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

    _own_connection(run)


@pytest.fixture(scope="module")
def backup(world, django_db_blocker, tmp_path_factory) -> Path:
    """A committed source tenant with tricky rows, dumped once for the module."""
    restored: list[str] = []
    with django_db_blocker.unblock():

        def make_source() -> None:
            tenant_create(schema_name=SOURCE, name="Backup Source", domain="bk-src.localhost", owner_email="o@bk.test")
            connection.set_schema(SOURCE)
            for i in range(40):
                with transaction.atomic():
                    text = TRICKY[i % len(TRICKY)]
                    # A text column (literal newlines in the dump) and jsonb (escaped) both carry it.
                    audit_record(action="backup.probe", object_type=text, object_id=str(i), changes={"text": text})

        _own_connection(make_source)
        dump = tmp_path_factory.mktemp("backups") / "bk_src.dump"
        _command("backup_tenant", "--schema", SOURCE, "--output", str(dump))
        try:
            yield dump
        finally:
            _cleanup([SOURCE, "bk_copy", "bk_bad", "bk_tampered", "bk_nomanifest", *restored])


def test_backup_writes_a_custom_format_dump_and_a_manifest(backup):
    assert backup.read_bytes()[:5] == b"PGDMP"  # pg_dump custom format
    manifest = json.loads(backup.with_name(backup.name + ".manifest.json").read_text())
    assert manifest["schema"] == SOURCE
    assert manifest["tables"]["audit_auditevent"]["rows"] == 40
    assert manifest["tables"]["django_migrations"]["rows"] > 0
    assert manifest["tables"] == _stats(SOURCE)


def test_restore_round_trip_keeps_row_counts_and_checksums(backup, db):
    out = _command(
        "restore_tenant",
        "--input",
        str(backup),
        "--schema",
        "bk_copy",
        "--name",
        "Copy",
        "--domain",
        "bk-copy.localhost",
        "--owner-email",
        "copy-owner@bk.test",
    )
    assert "verified" in out
    source, copy = _stats(SOURCE), _stats("bk_copy")
    assert copy == source
    assert copy["audit_auditevent"]["rows"] == 40
    tenant = Client.objects.get(schema_name="bk_copy")
    assert Domain.objects.get(domain="bk-copy.localhost", tenant=tenant).is_primary
    assert tenant.memberships.get().user.email == "copy-owner@bk.test"

    def copied_texts():
        connection.set_schema("bk_copy")
        from apps.audit.models import AuditEvent

        events = AuditEvent.objects.filter(action="backup.probe")
        return verify_chain().ok, {e.changes["text"] for e in events}, {e.object_type for e in events}

    chain_ok, json_texts, column_texts = _own_connection(copied_texts)
    assert chain_ok  # the tenant's own hash-chained audit log survives byte for byte
    # Neither the old schema name inside data nor dump-like lines of multi-line values were touched.
    assert json_texts == column_texts == set(TRICKY)


def _nothing_left(schema: str, domain: str) -> None:
    assert not Client.objects.filter(schema_name=schema).exists()
    assert not Domain.objects.filter(domain=domain).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_namespace WHERE nspname = %s", [schema])
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT count(*) FROM pg_database WHERE datname LIKE 'pm_restore_%%'")
        assert cursor.fetchone()[0] == 0  # the scratch database is always dropped


def _copy_backup(backup: Path, target: Path) -> Path:
    shutil.copy(backup, target)
    shutil.copy(backup.with_name(backup.name + ".manifest.json"), target.with_name(target.name + ".manifest.json"))
    return target


def _restore_error(dump: Path, schema: str, domain: str) -> str:
    with pytest.raises(CommandError) as caught:
        _command("restore_tenant", "--input", str(dump), "--schema", schema, "--name", "X", "--domain", domain)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_restore_with_a_row_count_mismatch_exits_with_one_line_and_keeps_nothing(backup, tmp_path, db):
    dump = _copy_backup(backup, tmp_path / "bad.dump")
    manifest_file = dump.with_name("bad.dump.manifest.json")
    manifest = json.loads(manifest_file.read_text())
    manifest["tables"]["audit_auditevent"]["rows"] = 41
    manifest_file.write_text(json.dumps(sign_manifest(manifest)))  # signed: only the row check can catch it
    message = _restore_error(dump, "bk_bad", "bk-bad.localhost")
    assert message == "Restore verification failed: table audit_auditevent: 40 rows restored, manifest says 41."
    _nothing_left("bk_bad", "bk-bad.localhost")


def test_restore_with_a_checksum_mismatch_keeps_nothing(backup, tmp_path, db):
    dump = _copy_backup(backup, tmp_path / "sum.dump")
    manifest_file = dump.with_name("sum.dump.manifest.json")
    manifest = json.loads(manifest_file.read_text())
    manifest["tables"]["audit_auditevent"]["md5"] = "0" * 32
    manifest_file.write_text(json.dumps(sign_manifest(manifest)))  # signed: only the row check can catch it
    assert "checksum differs" in _restore_error(dump, "bk_bad", "bk-bad.localhost")
    _nothing_left("bk_bad", "bk-bad.localhost")


def test_restore_of_a_dump_that_does_not_match_its_manifest_is_refused(backup, tmp_path, db):
    dump = _copy_backup(backup, tmp_path / "tampered.dump")
    dump.write_bytes(dump.read_bytes() + b"\0")
    assert "does not match its manifest" in _restore_error(dump, "bk_tampered", "bk-t.localhost")
    _nothing_left("bk_tampered", "bk-t.localhost")


def test_restore_of_a_manifest_edited_without_the_signing_key_is_refused(backup, tmp_path, db):
    # Before signing, whoever could edit a dump could rewrite its unkeyed checksum in the manifest too.
    dump = _copy_backup(backup, tmp_path / "forged.dump")
    dump.write_bytes(dump.read_bytes() + b"\0")
    manifest_file = dump.with_name("forged.dump.manifest.json")
    manifest = json.loads(manifest_file.read_text())
    manifest["dump_sha256"] = hashlib.sha256(dump.read_bytes()).hexdigest()
    manifest_file.write_text(json.dumps(manifest))
    assert "signature does not verify" in _restore_error(dump, "bk_tampered", "bk-t.localhost")
    _nothing_left("bk_tampered", "bk-t.localhost")


def test_restore_with_another_signing_key_or_an_unsigned_manifest_is_refused(backup, tmp_path, db, settings):
    dump = _copy_backup(backup, tmp_path / "foreign.dump")
    settings.BACKUP_SIGNING_KEY = "another-deployment-signing-key-0123456789"
    assert "signature does not verify" in _restore_error(dump, "bk_tampered", "bk-t.localhost")
    settings.BACKUP_SIGNING_KEY = "development-only-backup-signing-key"
    manifest_file = dump.with_name("foreign.dump.manifest.json")
    manifest = json.loads(manifest_file.read_text())
    manifest.pop("signature")
    manifest["version"] = 1
    manifest_file.write_text(json.dumps(manifest))
    assert "not signed" in _restore_error(dump, "bk_tampered", "bk-t.localhost")
    _nothing_left("bk_tampered", "bk-t.localhost")


def test_restore_refuses_a_function_the_tenant_template_does_not_have(backup, world, tmp_path, db):
    def plant() -> None:
        tenant_create(schema_name="bk_evil", name="Evil", domain="bk-evil.localhost", owner_email="o@bk.test")
        with connection.cursor() as cursor:
            cursor.execute("CREATE FUNCTION bk_evil.pwn() RETURNS int LANGUAGE sql AS 'SELECT 1'")

    _own_connection(plant)
    try:
        dump = tmp_path / "evil.dump"
        _command("backup_tenant", "--schema", "bk_evil", "--output", str(dump))
        message = _restore_error(dump, "bk_evil_copy", "bk-evil-copy.localhost")
        assert message == "the backup holds a function 'pwn' that the tenant template does not have; refused"
        _nothing_left("bk_evil_copy", "bk-evil-copy.localhost")
    finally:
        _cleanup(["bk_evil", "bk_evil_copy"])


def test_restore_without_a_manifest_is_refused(backup, tmp_path, db):
    dump = tmp_path / "lonely.dump"
    shutil.copy(backup, dump)
    assert "manifest" in _restore_error(dump, "bk_nomanifest", "bk-n.localhost")
    _nothing_left("bk_nomanifest", "bk-n.localhost")


@pytest.mark.parametrize(
    ("schema", "domain", "expected"),
    [
        ("alpha", "new-alpha.localhost", "already exists"),
        ("bk_other", "alpha.localhost", "already in use"),
        ("Bad-Name", "x.localhost", "Invalid schema name"),
        ("public", "x.localhost", "reserved"),
    ],
)
def test_restore_refuses_taken_or_invalid_names(backup, db, schema, domain, expected):
    assert expected in _restore_error(backup, schema, domain)


def test_restore_of_a_missing_file_is_refused(world, db, tmp_path):
    assert "does not exist" in _restore_error(tmp_path / "nope.dump", "bk_none", "bk-none.localhost")


def test_backup_of_an_unknown_or_public_schema_is_refused(world, db, tmp_path):
    for schema in ["no_such_tenant", "public", "_tenant_template"]:
        with pytest.raises(CommandError, match="No tenant with schema"):
            _command("backup_tenant", "--schema", schema, "--output", str(tmp_path / "x.dump"))
    assert not (tmp_path / "x.dump").exists()


def test_backup_never_overwrites_an_existing_file(backup, db, tmp_path):
    target = tmp_path / "exists.dump"
    target.write_text("keep me")
    with pytest.raises(CommandError, match="refusing to overwrite"):
        _command("backup_tenant", "--schema", SOURCE, "--output", str(target))
    assert target.read_text() == "keep me"
