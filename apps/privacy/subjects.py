"""Personal values in the audit log, sealed per subject so that erasure can make them unreadable.

The audit chain hashes each row's `changes`, so a value written there in clear can never be removed
without breaking `verify_audit_log`. Instead, a model lists its personal fields (`PERSONAL_FIELDS`), and
the record services put each such value into `changes` sealed: `{"sealed": "pms1:..."}`, AES-GCM under a
key of that one subject (apps.privacy.models.SubjectKey). Erasure deletes the key: the audit rows stay
byte for byte as hashed, their personal values are unreadable for good.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import IntegrityError, models, transaction

from .models import SubjectKey

PREFIX = "pms1:"
ERASED = "[erased]"


def subject_of(record: models.Model) -> tuple[str, str]:
    return record._meta.label_lower, str(record.pk)


def _key(subject_type: str, subject_id: str, *, create: bool) -> bytes | None:
    row = SubjectKey.objects.filter(subject_type=subject_type, subject_id=subject_id).first()
    if row is None and create:
        try:
            with transaction.atomic():
                row = SubjectKey.objects.create(
                    subject_type=subject_type,
                    subject_id=subject_id,
                    key=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
                )
        except IntegrityError:
            row = SubjectKey.objects.get(subject_type=subject_type, subject_id=subject_id)
    return base64.urlsafe_b64decode(row.key) if row is not None else None


def seal(value: Any, *, subject_type: str, subject_id: str) -> dict[str, str]:
    key = _key(subject_type, subject_id, create=True)
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(key).encrypt(nonce, json.dumps(value).encode(), f"{subject_type}:{subject_id}".encode())
    return {"sealed": PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()}


def is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("sealed"), str) and value["sealed"].startswith(PREFIX)


def _open(value: Any, key: bytes | None, aad: bytes) -> Any:
    if not is_sealed(value):
        return value
    if key is None:
        return ERASED
    blob = base64.urlsafe_b64decode(value["sealed"][len(PREFIX) :])
    try:
        return json.loads(AESGCM(key).decrypt(blob[:12], blob[12:], aad))
    except InvalidTag:
        return ERASED


def unseal(value: Any, *, subject_type: str, subject_id: str) -> Any:
    """The clear value, or ERASED when the subject's key is gone."""
    if not is_sealed(value):
        return value
    return _open(value, _key(subject_type, subject_id, create=False), f"{subject_type}:{subject_id}".encode())


def seal_changes(record: models.Model, changes: dict[str, Any]) -> dict[str, Any]:
    """`changes` (field -> value or [before, after]) with the record's personal fields sealed."""
    personal = set(getattr(type(record), "PERSONAL_FIELDS", ()))
    if not personal:
        return changes
    subject_type, subject_id = subject_of(record)

    def sealed(value: Any) -> Any:
        if value in (None, ""):
            return value
        return seal(value, subject_type=subject_type, subject_id=subject_id)

    out: dict[str, Any] = {}
    for field, value in changes.items():
        if field not in personal:
            out[field] = value
        elif isinstance(value, list):
            out[field] = [sealed(item) for item in value]
        else:
            out[field] = sealed(value)
    return out


def unseal_changes(changes: dict[str, Any], *, subject_type: str, subject_id: str) -> dict[str, Any]:
    """`changes` with sealed values opened (one key lookup, and none when nothing is sealed)."""
    values = [item for value in (changes or {}).values() for item in (value if isinstance(value, list) else [value])]
    if not any(is_sealed(value) for value in values):
        return dict(changes or {})
    key, aad = _key(subject_type, subject_id, create=False), f"{subject_type}:{subject_id}".encode()

    def opened(value: Any) -> Any:
        return [_open(item, key, aad) for item in value] if isinstance(value, list) else _open(value, key, aad)

    return {field: opened(value) for field, value in changes.items()}


def destroy_subject_key(subject_type: str, subject_id: str) -> bool:
    deleted, _ = SubjectKey.objects.filter(subject_type=subject_type, subject_id=subject_id).delete()
    return bool(deleted)


# --- The audit log's keyed actor reference (chain version 2, apps.audit.chain) -------------------------

USER_SUBJECT = "accounts.user"


def _ref(key: bytes, values: dict[str, Any]) -> str:
    message = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def actor_ref(*, user_id: str, values: dict[str, Any]) -> str:
    """HMAC of an audit row's e-mail and IP address under the user's subject key (created if needed)."""
    return _ref(_key(USER_SUBJECT, user_id, create=True), values)


def actor_ref_checker() -> Callable[[dict[str, Any]], str | None]:
    """For verify_chain: compare a row's clear e-mail/IP with its `actor_ref` (one key lookup per user)."""
    from apps.audit.chain import ref_subject_id, ref_values

    keys: dict[str, bytes | None] = {}

    def check(row: dict[str, Any]) -> str | None:
        if not row["actor_email"] and not row["ip_address"]:
            return None  # erased (or nothing personal to cover)
        subject_id = ref_subject_id(row)
        if subject_id is None:
            return "actor_ref names no subject (the row's actor or object was altered)"
        if subject_id not in keys:
            keys[subject_id] = _key(USER_SUBJECT, subject_id, create=False)
        key = keys[subject_id]
        if key is None:
            return "the row keeps an e-mail or IP address of a person whose subject key was destroyed"
        if not hmac.compare_digest(_ref(key, ref_values(row)), row["actor_ref"]):
            return "actor e-mail or IP address does not match actor_ref (the row's content was altered)"
        return None

    return check
