"""The hash chain of an audit log: how a row's hash is computed and how a schema's chain is verified.

hash = sha256(prev_hash + canonical JSON of the row's content), where the content includes the row's id
and timestamp. Altering any field changes that row's hash; deleting, inserting or reordering rows breaks
the next row's `prev_hash` link. Changing a version's content function invalidates every chain: don't.

Chain versions (the row's `chain_version`):
- 1: the content holds the actor's e-mail and IP address in clear, so they can never be removed.
- 2: when the row has an actor (or is about a user), the content holds `actor_ref` instead — an HMAC of
  the e-mail and IP address under that person's subject key (apps.privacy.subjects.actor_ref). The clear
  columns stay for reading and filtering; verification recomputes the HMAC while the key exists. Erasing
  the person blanks those two columns (the only UPDATE the table's trigger lets through) and destroys the
  key: the row's hash is unchanged and the reference can no longer be linked to anyone.

A schema's log may start after a checkpoint (AuditCheckpoint): rows up to `up_to_id` were pruned by the
retention job, and the first remaining row must link to the checkpoint's `head_hash`.
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from backend.chunks import keyset_iterator

from .models import AuditCheckpoint, AuditEvent

GENESIS_HASH = "0" * 64
CHAINED_FIELDS = (
    "id",
    "created_at",
    "actor_id",
    "actor_email",
    "action",
    "object_type",
    "object_id",
    "changes",
    "ip_address",
    "request_id",
)
# Every stored column, in the order the CSV export and the API present them.
RECORD_FIELDS = (*CHAINED_FIELDS, "prev_hash", "hash", "chain_version", "actor_ref")
CURRENT_VERSION = 2
# Rows per statement when verifying (keyset chunks: memory stays bounded without server-side cursors).
VERIFY_CHUNK = 2000


def _canonical_value(value: Any) -> Any:
    """JSON values as they come back from PostgreSQL's jsonb, whatever Python handed in.

    jsonb keeps numbers as decimals, so an integral float like 1e16 comes back as an int; treat every
    integral float as that int on both sides.
    """
    if isinstance(value, dict):
        return {str(key): _canonical_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical_value(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _canonical_ip(value: str | None) -> str | None:
    # PostgreSQL's inet prints addresses in its own normal form; compare parsed addresses instead.
    return ipaddress.ip_address(value).compressed if value else None


def canonical_content(row: dict[str, Any]) -> bytes:
    """The bytes hashed for one row: sorted-key compact JSON of the chained fields of its version."""
    created_at: datetime.datetime = row["created_at"]
    version = row.get("chain_version") or 1
    content = {
        "id": row["id"],
        "created_at": created_at.astimezone(datetime.UTC).isoformat(),
        "actor_id": row["actor_id"],
        "actor_email": row["actor_email"],
        "action": row["action"],
        "object_type": row["object_type"],
        "object_id": row["object_id"],
        "changes": _canonical_value(row["changes"]),
        "ip_address": _canonical_ip(row["ip_address"]),
        "request_id": row["request_id"],
    }
    if version >= 2:
        content["chain_version"] = version
        if row.get("actor_ref"):
            # The personal values are covered by the keyed reference, not hashed themselves.
            del content["actor_email"], content["ip_address"]
            content["actor_ref"] = row["actor_ref"]
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def ref_subject_id(row: dict[str, Any]) -> str | None:
    """Whose subject key covers the row's e-mail and IP address: the actor's, else the user it is about."""
    if row.get("actor_id") is not None:
        return str(row["actor_id"])
    if row.get("object_type") == "accounts.user" and row.get("object_id"):
        return str(row["object_id"])
    return None


def ref_values(row: dict[str, Any]) -> dict[str, Any]:
    """What `actor_ref` commits to (the row id makes every reference distinct)."""
    return {"id": row["id"], "email": row["actor_email"] or "", "ip": _canonical_ip(row["ip_address"])}


def row_hash(*, prev_hash: str, row: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_content(row)).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    problem: str


@dataclass(frozen=True)
class ChainReport:
    count: int
    first_break: ChainBreak | None
    # The id up to which the log was pruned (the chain starts at that checkpoint), or None.
    pruned_up_to: int | None = None

    @property
    def ok(self) -> bool:
        return self.first_break is None


def _short(digest: str) -> str:
    return (digest[:12] + "…") if digest else "(empty)"


def verify_rows(
    rows: Iterable[dict[str, Any]],
    *,
    start_hash: str = GENESIS_HASH,
    check_ref: Callable[[dict[str, Any]], str | None] | None = None,
) -> ChainReport:
    """Walk rows in id order, recompute each hash and link; report the first break.

    `check_ref(row)` (version-2 rows with an `actor_ref`) returns a problem with the clear e-mail/IP
    columns against the reference, or None."""
    expected_prev, previous_id, count = start_hash, None, 0
    for row in rows:
        count += 1
        if row["prev_hash"] != expected_prev:
            after = f"the previous row (id {previous_id})" if previous_id is not None else "the start of the log"
            return ChainReport(
                count=count,
                first_break=ChainBreak(
                    event_id=row["id"],
                    problem=(
                        f"prev_hash {_short(row['prev_hash'])} does not match {after}, whose hash is "
                        f"{_short(expected_prev)} (a row was deleted, inserted or reordered)"
                    ),
                ),
            )
        recomputed = row_hash(prev_hash=row["prev_hash"], row=row)
        if recomputed != row["hash"]:
            return ChainReport(
                count=count,
                first_break=ChainBreak(
                    event_id=row["id"],
                    problem=(
                        f"stored hash {_short(row['hash'])} does not match the recomputed {_short(recomputed)} "
                        "(the row's content was altered)"
                    ),
                ),
            )
        if check_ref is not None and row.get("actor_ref"):
            problem = check_ref(row)
            if problem:
                return ChainReport(count=count, first_break=ChainBreak(event_id=row["id"], problem=problem))
        expected_prev, previous_id = row["hash"], row["id"]
    return ChainReport(count=count, first_break=None)


def verify_chain() -> ChainReport:
    """Verify the audit log of the connection's active schema (from its latest checkpoint, if pruned).

    Reads in keyset chunks (backend.chunks): behind the pooler server-side cursors are off and
    `.iterator()` would load the whole log at once."""
    from apps.privacy.subjects import actor_ref_checker

    checkpoint = AuditCheckpoint.objects.order_by("-up_to_id").first()
    events = AuditEvent.objects.order_by("id")
    start_hash = GENESIS_HASH
    if checkpoint is not None:
        events, start_hash = events.filter(id__gt=checkpoint.up_to_id), checkpoint.head_hash
    rows = keyset_iterator(events.values(*RECORD_FIELDS), chunk_size=VERIFY_CHUNK)
    report = verify_rows(rows, start_hash=start_hash, check_ref=actor_ref_checker())
    if checkpoint is None:
        return report
    return ChainReport(count=report.count, first_break=report.first_break, pruned_up_to=checkpoint.up_to_id)
