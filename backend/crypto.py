"""Field encryption: envelope encryption with per-schema data keys wrapped by master keys from the environment.

Master keys. `settings.ENCRYPTION_MASTER_KEYS` is a comma-separated list of `id:key` pairs, each key 32
random bytes in URL-safe base64 (`python -c "import secrets,base64;print(base64.urlsafe_b64encode(
secrets.token_bytes(32)).decode())"`). The first pair wraps new data keys; every listed key unwraps. Rotating
the master key: put the new pair first, keep the old one, run `rotate_encryption_keys --master` (re-wraps
the few data keys; no row changes), then drop the old pair.

Data keys. Each schema (a tenant's, and `public` for platform secrets) has its own AES-256 data keys, stored
wrapped (AES-GCM under a master key) in that schema's `privacy_datakey` table by `apps.privacy`, which
registers itself here as the key provider (`backend` never imports `apps`). A value is encrypted with the
schema's newest data key and carries that key's version, so rows written before and after a data-key
rotation (`rotate_encryption_keys --data`) both decrypt. Deleting a schema's data keys (`destroy`) makes
every value encrypted under them unreadable: crypto-shredding.

Ciphertext: `pm1:<version>:<urlsafe base64 of nonce(12) + AES-GCM ciphertext+tag>`; the field's label is the
associated data, so a value copied into another field does not decrypt.

Blind index: HMAC-SHA256 of the normalised value under the schema's index key (separate from the data keys
and never rotated with them), for exact-match lookups on an encrypted field. Equal inputs give equal
digests inside one tenant only.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "pm1"
KEY_BYTES = 32
NONCE_BYTES = 12
# Keys unwrapped in this process are reused this long; a key destroyed or added elsewhere is seen after it.
CACHE_SECONDS = 300


class EncryptionError(Exception):
    """A value cannot be encrypted or decrypted (no key, destroyed key, tampered ciphertext)."""


class KeyUnavailable(EncryptionError):
    """The data key a value was encrypted with is not there (destroyed: the value is shredded)."""


# --- master keys ----------------------------------------------------------------------------------


def _decode_key(text: str, what: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != KEY_BYTES:
        raise ImproperlyConfigured(f"{what} must be {KEY_BYTES} bytes in URL-safe base64")
    return raw


def parse_master_keys(value: str) -> list[tuple[str, bytes]]:
    """`id:key,id:key` → [(id, key)], the first being the current one. One-line ImproperlyConfigured if malformed."""
    pairs: list[tuple[str, bytes]] = []
    for item in (part.strip() for part in (value or "").split(",")):
        if not item:
            continue
        key_id, sep, key = item.partition(":")
        if not sep or not key_id.strip() or not key_id.strip().isalnum():
            raise ImproperlyConfigured("ENCRYPTION_MASTER_KEYS entries look like id:base64key (id letters/digits)")
        pairs.append((key_id.strip(), _decode_key(key, f"ENCRYPTION_MASTER_KEYS key {key_id.strip()!r}")))
    if not pairs:
        raise ImproperlyConfigured("ENCRYPTION_MASTER_KEYS is empty")
    if len({key_id for key_id, _ in pairs}) != len(pairs):
        raise ImproperlyConfigured("ENCRYPTION_MASTER_KEYS has the same id twice")
    return pairs


def master_keys() -> list[tuple[str, bytes]]:
    return parse_master_keys(getattr(settings, "ENCRYPTION_MASTER_KEYS", ""))


def generate_key_text() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def wrap_key(raw: bytes) -> tuple[str, str]:
    """(master key id, wrapped key text) under the current master key."""
    key_id, master = master_keys()[0]
    nonce = secrets.token_bytes(NONCE_BYTES)
    wrapped = AESGCM(master).encrypt(nonce, raw, f"datakey:{key_id}".encode())
    return key_id, base64.urlsafe_b64encode(nonce + wrapped).decode()


def unwrap_key(master_key_id: str, wrapped: str) -> bytes:
    masters = dict(master_keys())
    if master_key_id not in masters:
        raise EncryptionError(f"master key {master_key_id!r} is not in ENCRYPTION_MASTER_KEYS")
    blob = base64.urlsafe_b64decode(wrapped)
    try:
        return AESGCM(masters[master_key_id]).decrypt(
            blob[:NONCE_BYTES], blob[NONCE_BYTES:], f"datakey:{master_key_id}".encode()
        )
    except InvalidTag as exc:
        raise EncryptionError(f"a data key does not unwrap with master key {master_key_id!r}") from exc


# --- a schema's keys ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeySet:
    """A schema's unwrapped keys: data keys by version, and the blind-index key."""

    data_keys: dict[int, bytes]
    index_key: bytes
    loaded_at: float = field(default_factory=time.monotonic)

    @property
    def current_version(self) -> int:
        return max(self.data_keys)


# provider(schema, create) -> KeySet | None; registered by apps.privacy. `create` makes the first keys.
KeyProvider = Callable[[str, bool], "KeySet | None"]
_provider: KeyProvider | None = None
_cache: dict[str, KeySet] = {}
_lock = threading.Lock()


def register_key_provider(provider: KeyProvider) -> None:
    global _provider
    _provider = provider


def reset_key_cache(schema: str | None = None) -> None:
    with _lock:
        if schema is None:
            _cache.clear()
        else:
            _cache.pop(schema, None)


def current_schema() -> str:
    from django.db import connection

    return getattr(connection, "schema_name", None) or "public"


def keyset(schema: str | None = None, *, create: bool = False, need_version: int | None = None) -> KeySet | None:
    schema = schema or current_schema()
    cached = _cache.get(schema)
    fresh = cached is not None and time.monotonic() - cached.loaded_at < CACHE_SECONDS
    if fresh and (need_version is None or need_version in cached.data_keys):
        return cached
    if _provider is None:
        raise EncryptionError("no encryption key provider is registered (is apps.privacy installed?)")
    keys = _provider(schema, create)
    with _lock:
        if keys is None:
            _cache.pop(schema, None)
        else:
            _cache[schema] = keys
    return keys


# --- values ------------------------------------------------------------------------------------------


def is_ciphertext(value: str) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX + ":")


def encrypt_bytes(value: bytes, *, label: str, schema: str | None = None) -> str:
    keys = keyset(schema, create=True)
    assert keys is not None
    version = keys.current_version
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(keys.data_keys[version]).encrypt(nonce, value, label.encode())
    return f"{PREFIX}:{version}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def encrypt(value: str, *, label: str, schema: str | None = None) -> str:
    return encrypt_bytes(value.encode(), label=label, schema=schema)


def key_version(ciphertext: str) -> int:
    try:
        prefix, version, _ = ciphertext.split(":", 2)
        if prefix != PREFIX:
            raise ValueError(prefix)
        return int(version)
    except ValueError as exc:
        raise EncryptionError("not a ciphertext of this application") from exc


def decrypt_bytes(ciphertext: str, *, label: str, schema: str | None = None) -> bytes:
    version = key_version(ciphertext)
    keys = keyset(schema, need_version=version)
    if keys is None or version not in keys.data_keys:
        raise KeyUnavailable(f"data key version {version} of schema {schema or current_schema()} is not available")
    blob = base64.urlsafe_b64decode(ciphertext.split(":", 2)[2])
    try:
        return AESGCM(keys.data_keys[version]).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], label.encode())
    except InvalidTag as exc:
        raise EncryptionError(f"{label}: ciphertext does not authenticate (tampered or moved)") from exc


def decrypt(ciphertext: str, *, label: str, schema: str | None = None) -> str:
    return decrypt_bytes(ciphertext, label=label, schema=schema).decode()


def normalise_for_index(value: str) -> str:
    return " ".join(value.split()).casefold()


def blind_index(value: str, *, label: str, schema: str | None = None) -> str:
    """Keyed digest for exact lookups; '' for an empty value (blank fields stay matchable as blank)."""
    if not value:
        return ""
    keys = keyset(schema, create=True)
    assert keys is not None
    message = label.encode() + b"\x00" + normalise_for_index(value).encode()
    return hmac.new(keys.index_key, message, hashlib.sha256).hexdigest()[:32]
