"""The hash chain of an audit log: how a row's hash is computed and how a schema's chain is verified.

hash = sha256(prev_hash + canonical JSON of the row's content), where the content includes the row's id
and timestamp. Altering any field changes that row's hash; deleting, inserting or reordering rows breaks
the next row's `prev_hash` link. Changing this function invalidates every existing chain: don't.
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .models import AuditEvent

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
RECORD_FIELDS = (*CHAINED_FIELDS, "prev_hash", "hash")


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
    """The bytes hashed for one row: sorted-key compact JSON of the chained fields."""
    created_at: datetime.datetime = row["created_at"]
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
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


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

    @property
    def ok(self) -> bool:
        return self.first_break is None


def _short(digest: str) -> str:
    return (digest[:12] + "…") if digest else "(empty)"


def verify_rows(rows: Iterable[dict[str, Any]]) -> ChainReport:
    """Walk rows in id order, recompute each hash and link; report the first break."""
    expected_prev, previous_id, count = GENESIS_HASH, None, 0
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
        expected_prev, previous_id = row["hash"], row["id"]
    return ChainReport(count=count, first_break=None)


def verify_chain() -> ChainReport:
    """Verify the audit log of the connection's active schema."""
    rows = AuditEvent.objects.order_by("id").values(*RECORD_FIELDS).iterator(chunk_size=2000)
    return verify_rows(rows)
