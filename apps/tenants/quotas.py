"""Tenant file storage under the plan's quota: every tenant upload goes through `storage_save`.

    name = storage_save(tenant=request.tenant, name=f"{schema}/documents/{token}.pdf", content=upload,
                        field="file")   # ApplicationError(code="quota_exceeded") when it would not fit
    storage_delete(tenant=request.tenant, name=name)

Usage is a counter on the tenant row (`Client.storage_bytes_used`), changed under that row's lock, so
concurrent uploads cannot both squeeze under the limit and listing remote storage is never needed.

Storage is not transactional: a service that saves files wraps its transaction in
`files_removed_on_failure` (outside the atomic block), so files saved inside are deleted again when the
block fails and rolls back (the counter rolls back with the transaction by itself).
"""

from __future__ import annotations

import contextvars
import logging
from contextlib import ContextDecorator

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest

from .models import Client
from .plans import QuotaExceeded, plan_label, tenant_limits

logger = logging.getLogger(__name__)
_saved_here: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("quotas_saved_here", default=None)


class files_removed_on_failure(ContextDecorator):  # noqa: N801 - used like a function decorator
    """Delete the files `storage_save` stored inside this block if the block raises (its transaction,
    opened inside, has then rolled back). Nested blocks hand their files to the outermost one."""

    def _recreate_cm(self):  # a fresh instance per decorated call: the state below is per call
        return type(self)()

    def __enter__(self):
        self._outer = _saved_here.get() is not None
        if not self._outer:
            self._token = _saved_here.set([])
        return self

    def __exit__(self, exc_type, exc, tb):
        if self._outer:
            return False
        saved = _saved_here.get() or []
        _saved_here.reset(self._token)
        if exc_type is not None:
            for name in saved:
                try:
                    default_storage.delete(name)
                except OSError:  # the original error matters more; the orphan is logged
                    logger.exception("could not delete %s after a failed transaction", name)
        return False


def _format_bytes(value: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return str(value)


def storage_check(*, tenant, size: int, field: str | None = None, lock: bool = False) -> None:
    """Raise QuotaExceeded if `size` more bytes would exceed the tenant's storage limit."""
    rows = Client.objects.select_for_update() if lock else Client.objects
    current = rows.only("pk", "plan", "quota_overrides", "storage_bytes_used").get(pk=tenant.pk)
    limit = tenant_limits(current).max_storage_bytes
    if limit is not None and current.storage_bytes_used + size > limit:
        free = max(0, limit - current.storage_bytes_used)
        raise QuotaExceeded(
            f"Not enough storage left in the {plan_label(current)} plan: this file is {_format_bytes(size)} "
            f"and {_format_bytes(free)} of {_format_bytes(limit)} are free. Delete files or upgrade.",
            field=field,
        )


@transaction.atomic
def storage_save(*, tenant, name: str, content, field: str | None = None) -> str:
    """Save `content` as `name` in default storage if it fits the quota; returns the stored name.

    Runs in (or as) a transaction: if the caller's transaction rolls back, the usage counter does too,
    and the caller should delete the stored file (as tenant_branding_update does).
    """
    size = int(content.size or 0)
    storage_check(tenant=tenant, size=size, field=field, lock=True)
    stored = default_storage.save(name, content)
    saved = _saved_here.get()
    if saved is not None:
        saved.append(stored)
    Client.objects.filter(pk=tenant.pk).update(storage_bytes_used=F("storage_bytes_used") + size)
    return stored


@transaction.atomic
def storage_delete(*, tenant, name: str) -> None:
    """Delete a stored tenant file and give its bytes back to the quota (missing files are ignored)."""
    try:
        size = default_storage.size(name)
    except (FileNotFoundError, OSError):
        return
    default_storage.delete(name)
    Client.objects.filter(pk=tenant.pk).update(storage_bytes_used=Greatest(F("storage_bytes_used") - size, Value(0)))
