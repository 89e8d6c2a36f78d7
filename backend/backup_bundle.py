"""Backup bundles: one encrypted file holding a signed manifest, a pg_dump and the tenant's files.

Encryption (envelope, like backend.crypto's field encryption): every bundle gets a fresh random AES-256
key, wrapped under the current master key of ENCRYPTION_MASTER_KEYS; the key and its wrapping sit in the
bundle's header. Rotating the master key keeps old bundles readable for as long as the old pair stays
listed. The payload is cut into 1 MiB chunks, each sealed with AES-GCM; a chunk's associated data is the
header, its index and whether it is the last, so chunks cannot be reordered, dropped or the file cut short
without decryption failing.

    PMBK1\\n  <header JSON>\\n  { <4-byte big-endian length> <12-byte nonce> <ciphertext+tag> }*

Inside, the plaintext is a tar archive with exactly `manifest.json`, `schema.dump` (or `database.dump`)
and `files/<relative storage name>` for each file. `read_bundle` refuses any other member, absolute or
`..` paths, links and devices. The manifest (backend.backups signs it) lists every file's SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import struct
import tarfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from backend import crypto

MAGIC = b"PMBK1\n"
CHUNK = 1 << 20
NONCE = 12
MANIFEST = "manifest.json"
FILES_DIR = "files"


class BundleError(Exception):
    """The bundle cannot be written or read; the message is one line for the operator."""


def _aad(header: bytes, index: int, last: bool) -> bytes:
    return header + struct.pack(">QB", index, 1 if last else 0)


def encrypt_file(source: Path, target: Path) -> None:
    """Encrypt `source` into `target` under a fresh data key wrapped by the current master key."""
    key = secrets.token_bytes(crypto.KEY_BYTES)
    master_id, wrapped = crypto.wrap_key(key)
    header = json.dumps({"master_key_id": master_id, "wrapped_key": wrapped, "chunk": CHUNK}).encode()
    aead = AESGCM(key)
    with source.open("rb") as plain, target.open("wb") as out:
        out.write(MAGIC + header + b"\n")
        index = 0
        chunk = plain.read(CHUNK)
        while True:
            following = plain.read(CHUNK) if len(chunk) == CHUNK else b""
            last = not following
            nonce = secrets.token_bytes(NONCE)
            sealed = aead.encrypt(nonce, chunk, _aad(header, index, last))
            out.write(struct.pack(">I", len(sealed)) + nonce + sealed)
            if last:
                return
            chunk, index = following, index + 1


def decrypt_file(source: Path, target: Path) -> None:
    """Decrypt a bundle written by `encrypt_file`; BundleError (one line) if anything does not authenticate."""
    with source.open("rb") as handle, target.open("wb") as out:
        if handle.read(len(MAGIC)) != MAGIC:
            raise BundleError(f"{source.name} is not an encrypted backup bundle (bad header)")
        header = handle.readline(4096).rstrip(b"\n")
        try:
            meta = json.loads(header)
            key = crypto.unwrap_key(meta["master_key_id"], meta["wrapped_key"])
        except (ValueError, KeyError, TypeError) as exc:
            raise BundleError(f"{source.name} has a corrupted header") from exc
        except crypto.EncryptionError as exc:
            raise BundleError(f"{source.name}: {exc}") from exc
        aead = AESGCM(key)
        index = 0
        while True:
            size_bytes = handle.read(4)
            if len(size_bytes) < 4:
                raise BundleError(f"{source.name} is truncated (chunk {index} missing)")
            (size,) = struct.unpack(">I", size_bytes)
            if size > meta.get("chunk", CHUNK) + 16:
                raise BundleError(f"{source.name} is corrupted (chunk {index} has a bad length)")
            nonce, sealed = handle.read(NONCE), handle.read(size)
            if len(sealed) < size:
                raise BundleError(f"{source.name} is truncated (chunk {index} cut short)")
            last = handle.peek(1) == b""
            try:
                out.write(aead.decrypt(nonce, sealed, _aad(header, index, last)))
            except InvalidTag:
                raise BundleError(f"{source.name} is corrupted (chunk {index} does not authenticate)") from None
            if last:
                return
            index += 1


def safe_relative_name(name: str) -> str:
    """A storage name relative to the tenant's prefix: no absolute path, no `..`, no empty parts."""
    path = PurePosixPath(name)
    if not name or path.is_absolute() or any(part in ("", ".", "..") for part in name.split("/")) or "\\" in name:
        raise BundleError(f"unsafe file name in backup: {name!r}")
    return name


def sha256_stream(handle: IO[bytes]) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    for chunk in iter(lambda: handle.read(CHUNK), b""):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def sha256_file(path: Path) -> str:
    with path.open("rb") as handle:
        return sha256_stream(handle)[0]


def write_bundle(
    *, target: Path, manifest: dict, dump: Path, dump_name: str, files: Iterator[tuple[str, Path]]
) -> None:
    """Tar manifest, dump and files (relative name, local path) into a temporary file, then encrypt to `target`."""
    plain = target.with_name(target.name + ".tar")
    try:
        with tarfile.open(plain, "w") as archive:
            body = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(body)
            archive.addfile(info, _BytesReader(body))
            archive.add(dump, arcname=dump_name, recursive=False)
            for relative, local in files:
                archive.add(local, arcname=f"{FILES_DIR}/{safe_relative_name(relative)}", recursive=False)
        encrypt_file(plain, target)
    finally:
        plain.unlink(missing_ok=True)


class _BytesReader:
    def __init__(self, data: bytes) -> None:
        self._data, self._pos = data, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._data) if size < 0 else self._pos + size
        chunk, self._pos = self._data[self._pos : end], min(end, len(self._data))
        return chunk


def read_bundle(*, source: Path, workdir: Path, dump_name: str) -> tuple[dict, Path, dict[str, Path]]:
    """Decrypt and unpack into `workdir`: (manifest dict, dump path, {relative file name: local path})."""
    plain = workdir / "bundle.tar"
    decrypt_file(source, plain)
    files: dict[str, Path] = {}
    manifest: dict | None = None
    dump = workdir / dump_name
    try:
        with tarfile.open(plain, "r") as archive:
            for member in archive:
                if not member.isfile():
                    raise BundleError(f"backup holds a non-file entry {member.name!r}; refused")
                handle = archive.extractfile(member)
                assert handle is not None
                if member.name == MANIFEST:
                    try:
                        manifest = json.loads(handle.read())
                    except ValueError as exc:
                        raise BundleError("backup manifest is not valid JSON") from exc
                elif member.name == dump_name:
                    _copy(handle, dump)
                elif member.name.startswith(FILES_DIR + "/"):
                    relative = safe_relative_name(member.name[len(FILES_DIR) + 1 :])
                    local = workdir / "files" / f"{len(files):08d}"
                    local.parent.mkdir(exist_ok=True)
                    _copy(handle, local)
                    files[relative] = local
                else:
                    raise BundleError(f"backup holds an unexpected entry {member.name!r}; refused")
    except tarfile.TarError as exc:
        raise BundleError(f"backup archive is unreadable: {exc}") from exc
    finally:
        plain.unlink(missing_ok=True)
    if not isinstance(manifest, dict):
        raise BundleError("backup has no manifest")
    if not dump.is_file():
        raise BundleError(f"backup has no {dump_name}")
    return manifest, dump, files


def _copy(handle: IO[bytes], target: Path) -> None:
    with target.open("wb") as out:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            out.write(chunk)
