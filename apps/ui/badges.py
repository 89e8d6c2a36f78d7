"""Status badge colours, one table for every document: the same status reads the same everywhere."""

from __future__ import annotations

# tone → CSS class badge-<tone>: neutral (grey), info (blue), ok (green), warn (amber), bad (red)
TONES: dict[str, str] = {
    "draft": "neutral",
    "open": "info",
    "confirmed": "info",
    "issued": "info",
    "in_review": "warn",
    "shipped": "info",
    "received": "ok",
    "delivered": "ok",
    "invoiced": "ok",
    "partially_paid": "warn",
    "paid": "ok",
    "approved": "ok",
    "settled": "ok",
    "closed": "neutral",
    "done": "ok",
    "active": "ok",
    "on_hold": "warn",
    "overdue": "bad",
    "cancelled": "bad",
    "void": "bad",
    "rejected": "bad",
    "archived": "neutral",
}


def badge_for(record, *, status: str = "", label: str = "") -> tuple[str, str]:
    """(tone, text) for a record's status; open invoices past their due date read "Overdue"."""
    if getattr(record, "is_overdue", False):
        return "bad", f"Overdue · {record.get_status_display()}"
    status = status or getattr(record, "status", "")
    if not label and record is not None and hasattr(record, "get_status_display"):
        label = record.get_status_display()
    return TONES.get(status, "neutral"), label or str(status).replace("_", " ").capitalize()
