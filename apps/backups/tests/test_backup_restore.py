"""backup_tenant / restore_tenant: complete bundles (schema, public rows, files), encrypted and signed, restored
as a new tenant or in place, verified table by table and file by file; failures change nothing.

pg_dump reads through its own connection, so the data must be committed: everything here runs on
separate connections in their own threads (as in apps/audit/tests/test_concurrent_appends.py), against
tenants created for this module and removed afterwards; the tests' own transactions never touch them.
"""

from __future__ import annotations

import builtins
import json
import tempfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from apps.accounts.models import Membership, User
from apps.accounts.services import membership_ensure, user_ensure
from apps.audit.chain import verify_chain
from apps.audit.services import audit_record
from apps.audit.tests.test_concurrent_appends import _on_own_connection as _own_connection
from apps.backups.bundles import bundle_open
from apps.compliance.models import EvidenceVersion
from apps.compliance.tests.factories import EVIDENCE_CONTENT, EvidenceVersionFactory
from apps.partners.models import Contact
from apps.partners.tests.factories import ContactFactory
from apps.tenants.models import Client, Domain
from apps.tenants.services import tenant_create
from backend.backup_bundle import MAGIC, read_bundle, write_bundle
from backend.backups import sign_manifest, table_stats
from backend.tenant_export import delete_storage_prefix, storage_files

SOURCE = "bk_src"
LOGO = b"\x89PNG fake logo bytes for the backup test"
TRICKY = [
    'mentions bk_src and "bk_src".audit',
    "quote ' and tab\tand\nnewline",
    "ünïcödé ✓",
    "%s %(x)s",
    # Lines of a multi-line value that look like dump syntax must survive untouched.
    "first line\n-- not a comment\nSET search_path = '';\n\\restrict x",
    "\n--\n",
    # COPY's end-of-data marker inside a value (escaped in COPY's text format, so it cannot end the block).
    "before\n\\.\nafter \\. and \\N",
]


def _command(*args: str) -> str:
    def run() -> str:
        out = StringIO()
        call_command(*args, stdout=out)
        return out.getvalue()

    return _own_connection(run)


def _stats(schema: str) -> dict:
    def run():
        with connection.cursor() as cursor:
            return table_stats(cursor, schema)

    return _own_connection(run)


def _files(schema: str) -> dict[str, bytes]:
    out = {}
    for name in storage_files(default_storage, schema):
        with default_storage.open(name, "rb") as handle:
            out[name[len(schema) + 1 :]] = handle.read()
    return out


def _public(schema: str) -> dict:
    def run():
        tenant = Client.objects.get(schema_name=schema)
        return {
            "fields": {
                k: getattr(tenant, k)
                for k in ("name", "primary_color", "plan", "feature_overrides", "logo", "time_zone")
            },
            "domains": sorted(Domain.objects.filter(tenant=tenant).values_list("domain", "is_primary", "is_verified")),
            "members": sorted(Membership.objects.filter(tenant=tenant).values_list("user__email", "role", "is_active")),
        }

    return _own_connection(run)


def _cleanup(schemas: list[str]) -> None:
    def run() -> None:
        with transaction.atomic():
            Client.objects.filter(schema_name__in=schemas).delete()  # cascades to domains and memberships
            User.objects.filter(email__endswith="@bk.test").delete()
            with connection.cursor() as cursor:
                for schema in schemas:
                    cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        for schema in schemas:
            delete_storage_prefix(prefix=schema)

    _own_connection(run)


def _make_source(schema: str, domain: str) -> None:
    tenant = tenant_create(schema_name=schema, name="Backup Source", domain=domain, owner_email="o@bk.test")
    membership_ensure(user=user_ensure(email="staff@bk.test", full_name="Stan Staff"), tenant=tenant, role="staff")
    Domain.objects.create(domain=f"{schema.replace('_', '-')}.example", tenant=tenant, is_verified=True)
    logo = default_storage.save(f"{schema}/branding/logo-1.png", ContentFile(LOGO))
    Client.objects.filter(pk=tenant.pk).update(
        primary_color="#123456", plan="enterprise", feature_overrides={"custom_domains": True}, logo=logo
    )
    connection.set_schema(schema)
    for i in range(12):
        with transaction.atomic():
            text = TRICKY[i % len(TRICKY)]
            audit_record(action="backup.probe", object_type=text, object_id=str(i), changes={"text": text})
    EvidenceVersionFactory()
    ContactFactory(email="secret.person@contact.test", phone="+1 555 0100")  # encrypted under the tenant's keys
    connection.set_schema_to_public()


@pytest.fixture(scope="module")
def backup(world, django_db_blocker, tmp_path_factory) -> Path:
    """A committed source tenant (members, domains, branding, evidence file, tricky rows), bundled once."""
    with django_db_blocker.unblock():
        _own_connection(lambda: _make_source(SOURCE, "bk-src.localhost"))
        dump = tmp_path_factory.mktemp("backups") / "bk_src.pmbk"
        _command("backup_tenant", "--schema", SOURCE, "--output", str(dump))
        try:
            yield dump
        finally:
            _cleanup([SOURCE, "bk_copy", "bk_bad", "bk_evil", "bk_evil_copy", "bk_none"])


def _open(bundle: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        return bundle_open(source=bundle, workdir=Path(tmp)).manifest


def _rebundle(source: Path, target: Path, edit) -> Path:
    """Decrypt, let `edit` change the manifest, sign it again (so only the restore's checks can catch it)."""
    with tempfile.TemporaryDirectory() as tmp:
        manifest, dump, files = read_bundle(source=source, workdir=Path(tmp), dump_name="schema.dump")
        edit(manifest)
        write_bundle(
            target=target,
            manifest=sign_manifest(manifest),
            dump=dump,
            dump_name="schema.dump",
            files=iter(files.items()),
        )
    return target


def _error(*args: str) -> str:
    with pytest.raises(CommandError) as caught:
        _command("restore_tenant", *args)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_bundle_is_encrypted_and_carries_schema_public_rows_and_files(backup):
    raw = backup.read_bytes()
    assert raw.startswith(MAGIC)
    assert b"PGDMP" not in raw and LOGO not in raw and EVIDENCE_CONTENT not in raw and b"o@bk.test" not in raw
    manifest = _open(backup)
    assert manifest["schema"] == SOURCE
    assert manifest["tables"] == _stats(SOURCE)
    assert manifest["tables"]["audit_auditevent"]["rows"] >= 12
    assert set(manifest["files"]) == {"branding/logo-1.png", *(f[len(SOURCE) + 1 :] for f in _files_named(SOURCE))}
    assert {m["email"]: m["role"] for m in manifest["members"]} == {"o@bk.test": "owner", "staff@bk.test": "staff"}
    assert [d["domain"] for d in manifest["domains"]] == ["bk-src.example", "bk-src.localhost"]
    assert manifest["tenant"]["primary_color"] == "#123456" and manifest["tenant"]["plan"] == "enterprise"


def _files_named(schema: str) -> list[str]:
    return [name for name in storage_files(default_storage, schema) if "/compliance/evidence/" in name]


def test_restore_as_new_tenant_keeps_members_branding_files_and_every_table(backup, db):
    out = _command("restore_tenant", "--input", str(backup), "--schema", "bk_copy", "--domain", "bk-copy.localhost")
    assert "verified" in out
    source, copy = _stats(SOURCE), _stats("bk_copy")
    evidence = EvidenceVersion._meta.db_table
    # Every table is identical but the one whose rows name files: they now point under the new prefix.
    assert {t: s for t, s in copy.items() if t != evidence} == {t: s for t, s in source.items() if t != evidence}
    assert copy[evidence]["rows"] == source[evidence]["rows"] == 1
    assert _files("bk_copy") == _files(SOURCE)
    before, after = _public(SOURCE), _public("bk_copy")
    assert after["members"] == before["members"]
    assert after["domains"] == [("bk-copy.localhost", True, True)]  # a new tenant gets its own domain
    assert after["fields"] == {**before["fields"], "logo": "bk_copy/branding/logo-1.png"}

    def copied():
        connection.set_schema("bk_copy")
        from apps.audit.models import AuditEvent

        events = AuditEvent.objects.filter(action="backup.probe")
        version = EvidenceVersion.objects.get()
        contact = Contact.objects.get()
        texts = {e.changes["text"] for e in events}, {e.object_type for e in events}
        return verify_chain().ok, *texts, version.file, (contact.email, contact.phone)

    chain_ok, json_texts, column_texts, file_name, contact = _own_connection(copied)
    # The tenant's data keys travel in its schema: encrypted personal fields read back in the copy.
    assert contact == ("secret.person@contact.test", "+1 555 0100")
    assert chain_ok  # the tenant's own hash-chained audit log survives byte for byte
    assert json_texts == column_texts == set(TRICKY)
    assert file_name.startswith("bk_copy/compliance/evidence/") and default_storage.exists(file_name)


def _mutate(schema: str) -> None:
    tenant = Client.objects.get(schema_name=schema)
    Client.objects.filter(pk=tenant.pk).update(primary_color="#ffffff", plan="starter")
    Membership.objects.filter(tenant=tenant, user__email="staff@bk.test").delete()
    membership_ensure(user=user_ensure(email="late@bk.test"), tenant=tenant, role="admin")
    Domain.objects.filter(tenant=tenant, domain="bk-src.example").delete()
    default_storage.delete(f"{schema}/branding/logo-1.png")
    default_storage.save(f"{schema}/branding/later.png", ContentFile(b"added after the backup"))
    connection.set_schema(schema)
    audit_record(action="backup.after", object_type="x", object_id="1", changes={})
    EvidenceVersion.objects.update(filename="renamed.pdf")
    connection.set_schema_to_public()


def test_restore_in_place_puts_back_every_table_file_member_and_domain(backup, db):
    before_stats, before_files, before_public = _stats(SOURCE), _files(SOURCE), _public(SOURCE)
    _own_connection(lambda: _mutate(SOURCE))
    assert _stats(SOURCE) != before_stats and _files(SOURCE) != before_files and _public(SOURCE) != before_public
    out = _command("restore_tenant", "--input", str(backup), "--replace", "--schema", SOURCE, "--no-input")
    assert "in place" in out
    assert _stats(SOURCE) == before_stats == _open(backup)["tables"]
    assert _files(SOURCE) == before_files
    assert _public(SOURCE) == before_public


def test_failed_in_place_restore_leaves_the_tenant_as_it_was(backup, tmp_path, db):
    def wrong_rows(manifest):
        manifest["tables"]["audit_auditevent"]["rows"] += 1

    bad = _rebundle(backup, tmp_path / "bad.pmbk", wrong_rows)
    _own_connection(lambda: _mutate(SOURCE))
    before = (_stats(SOURCE), _files(SOURCE), _public(SOURCE))
    message = _error("--input", str(bad), "--replace", "--schema", SOURCE, "--no-input")
    assert message.startswith("Restore verification failed: table audit_auditevent:")
    assert (_stats(SOURCE), _files(SOURCE), _public(SOURCE)) == before
    _nothing_left_over()
    _command("restore_tenant", "--input", str(backup), "--replace", "--schema", SOURCE, "--no-input")


def test_in_place_restore_asks_for_confirmation(backup, db, monkeypatch):
    monkeypatch.setattr(builtins, "input", lambda prompt: "not-the-schema")
    before = _stats(SOURCE)
    assert _error("--input", str(backup), "--replace", "--schema", SOURCE) == "Restore cancelled."
    assert _stats(SOURCE) == before


def _nothing_left_over(schema: str = "", domain: str = "") -> None:
    def check():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_database WHERE datname LIKE 'pm_restore_%%'")
            assert cursor.fetchone()[0] == 0  # the scratch database is always dropped
            cursor.execute(
                "SELECT count(*) FROM pg_namespace WHERE nspname LIKE '\\_replaced\\_%%' OR nspname = %s", [schema]
            )
            assert cursor.fetchone()[0] == 0
        if schema:
            assert not Client.objects.filter(schema_name=schema).exists()
            assert not Domain.objects.filter(domain=domain).exists()
            assert not list(storage_files(default_storage, schema))

    _own_connection(check)


@pytest.mark.parametrize("offset", [10, -40, "cut"])
def test_a_corrupted_bundle_fails_with_one_line_and_changes_nothing(backup, tmp_path, db, offset):
    raw = bytearray(backup.read_bytes())
    if offset == "cut":
        raw = raw[: len(raw) - 100]
    else:
        raw[offset if offset > 0 else len(raw) + offset] ^= 0xFF
    bad = tmp_path / "corrupt.pmbk"
    bad.write_bytes(bytes(raw))
    before = (_stats(SOURCE), _files(SOURCE), _public(SOURCE))
    message = _error("--input", str(bad), "--schema", "bk_bad", "--domain", "bk-bad.localhost")
    assert "corrupt" in message or "truncated" in message
    assert _error("--input", str(bad), "--replace", "--schema", SOURCE, "--no-input") == message
    assert (_stats(SOURCE), _files(SOURCE), _public(SOURCE)) == before
    _nothing_left_over("bk_bad", "bk-bad.localhost")


def test_a_new_tenant_restore_failing_verification_keeps_no_schema_tenant_or_file(backup, tmp_path, db):
    def wrong_checksum(manifest):
        manifest["tables"]["audit_auditevent"]["md5"] = "0" * 32

    bad = _rebundle(backup, tmp_path / "sum.pmbk", wrong_checksum)
    assert "checksum differs" in _error("--input", str(bad), "--schema", "bk_bad", "--domain", "bk-bad.localhost")
    _nothing_left_over("bk_bad", "bk-bad.localhost")


def test_a_file_not_matching_the_manifest_is_refused(backup, tmp_path, db):
    def wrong_file(manifest):
        manifest["files"]["branding/logo-1.png"]["sha256"] = "0" * 64

    bad = _rebundle(backup, tmp_path / "file.pmbk", wrong_file)
    assert "does not match its manifest" in _error(
        "--input", str(bad), "--schema", "bk_bad", "--domain", "bk-bad.localhost"
    )
    _nothing_left_over("bk_bad", "bk-bad.localhost")


def test_restoring_one_tenants_bundle_never_touches_another(backup, tenant_b, db):
    beta = tenant_b.tenant.schema_name
    before = (_stats(beta), _files(beta), _public(beta))
    message = _error("--input", str(backup), "--replace", "--schema", beta, "--no-input")
    assert message == f"This backup is of tenant '{SOURCE}', not '{beta}'; restore it as a new tenant instead."
    _command("restore_tenant", "--input", str(backup), "--replace", "--schema", SOURCE, "--no-input")
    # A member of the source who is also a member of beta keeps beta's membership as it was.
    assert (_stats(beta), _files(beta), _public(beta)) == before


def test_restore_with_another_signing_key_or_an_old_format_is_refused(backup, tmp_path, db, settings):
    settings.BACKUP_SIGNING_KEY = "another-deployment-signing-key-0123456789"
    assert "signature does not verify" in _error(
        "--input", str(backup), "--schema", "bk_bad", "--domain", "b.localhost"
    )
    settings.BACKUP_SIGNING_KEY = "development-only-backup-signing-key"

    def old(manifest):
        manifest["version"] = 2

    older = _rebundle(backup, tmp_path / "old.pmbk", old)
    assert "unknown format" in _error("--input", str(older), "--schema", "bk_bad", "--domain", "b.localhost")
    plain = tmp_path / "plain.dump"
    plain.write_bytes(b"PGDMP" + b"\0" * 100)  # a version-2 backup: a bare pg_dump file
    assert "not an encrypted backup bundle" in _error(
        "--input", str(plain), "--schema", "bk_bad", "--domain", "b.localhost"
    )


def test_a_bundle_encrypted_under_a_master_key_no_longer_listed_is_refused(backup, db, settings):
    settings.ENCRYPTION_MASTER_KEYS = "other:" + "A" * 43 + "="
    assert "not in ENCRYPTION_MASTER_KEYS" in _error(
        "--input", str(backup), "--schema", "bk_bad", "--domain", "b.localhost"
    )


def test_restore_refuses_a_function_the_tenant_template_does_not_have(backup, tmp_path, db):
    def plant() -> None:
        tenant_create(schema_name="bk_evil", name="Evil", domain="bk-evil.localhost", owner_email="o@bk.test")
        with connection.cursor() as cursor:
            cursor.execute("CREATE FUNCTION bk_evil.pwn() RETURNS int LANGUAGE sql AS 'SELECT 1'")

    _own_connection(plant)
    dump = tmp_path / "evil.pmbk"
    _command("backup_tenant", "--schema", "bk_evil", "--output", str(dump))
    message = _error("--input", str(dump), "--schema", "bk_evil_copy", "--domain", "bk-evil-copy.localhost")
    assert message == "the backup holds a function 'pwn' that the tenant template does not have; refused"
    _nothing_left_over("bk_evil_copy", "bk-evil-copy.localhost")


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
    assert expected in _error("--input", str(backup), "--schema", schema, "--domain", domain)


def test_restore_of_a_missing_file_or_without_a_target_is_refused(world, db, tmp_path):
    assert "does not exist" in _error(
        "--input", str(tmp_path / "nope"), "--schema", "bk_none", "--domain", "n.localhost"
    )
    assert "--schema and --domain" in _error("--input", str(tmp_path / "nope"))
    assert "No tenant with schema" in _error(
        "--input", str(tmp_path / "nope"), "--replace", "--schema", "zz", "--no-input"
    )


def test_backup_of_an_unknown_or_public_schema_is_refused(world, db, tmp_path):
    for schema in ["no_such_tenant", "public", "_tenant_template"]:
        with pytest.raises(CommandError, match="No tenant with schema"):
            _command("backup_tenant", "--schema", schema, "--output", str(tmp_path / "x.pmbk"))
    assert not (tmp_path / "x.pmbk").exists()


def test_backup_never_overwrites_an_existing_file(backup, db, tmp_path):
    target = tmp_path / "exists.pmbk"
    target.write_text("keep me")
    with pytest.raises(CommandError, match="refusing to overwrite"):
        _command("backup_tenant", "--schema", SOURCE, "--output", str(target))
    assert target.read_text() == "keep me"


def test_manifest_json_inside_lists_every_file_with_its_checksum(backup):
    manifest = _open(backup)
    for meta in manifest["files"].values():
        assert len(meta["sha256"]) == 64 and meta["size"] > 0
    assert json.dumps(manifest)  # plain JSON throughout
