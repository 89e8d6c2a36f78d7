"""Platform admin actions into the public audit log (IAM-19).

Django admin records every add, change and delete as a `LogEntry` from inside its own views, where no
service of ours runs. So we listen where Django reports them: a post_save receiver for entries saved
one by one, and a wrapper round the site-wide "delete selected" action, whose entries Django writes with
bulk_create (no signal). Both hand the entries to `mirror_admin_log_entries`, which writes through
`audit_record` like every other write.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.db import transaction
from django_tenants.utils import get_public_schema_name, schema_context

from .models import AuditEvent
from .services import platform_audit_record

_ACTION_NAMES = {ADDITION: "admin.add", CHANGE: "admin.change", DELETION: "admin.delete"}


def mirror_admin_log_entries(*, entries: Iterable[LogEntry]) -> list[AuditEvent]:
    """Record each admin LogEntry as a platform event in `public`, whatever schema is active."""
    events = []
    for entry in entries:
        content_type = entry.content_type
        events.append(
            platform_audit_record(
                action=_ACTION_NAMES.get(entry.action_flag, "admin.action"),
                actor=entry.user,
                object_type=content_type.app_label + "." + content_type.model if content_type else "",
                object_id=entry.object_id or "",
                changes={
                    "object_repr": entry.object_repr,
                    "change_message": entry.get_change_message(),
                    "admin_log_entry_id": entry.pk,
                },
            )
        )
    return events


def log_entry_saved(sender, instance: LogEntry, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        mirror_admin_log_entries(entries=[instance])


@functools.wraps(django_delete_selected)
@transaction.atomic
def delete_selected(modeladmin, request, queryset):
    """Django's bulk delete, then mirror the LogEntry rows it bulk-created (and no signal announced).

    One transaction, so the deletion never commits without its audit events.
    """
    last_before = LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = django_delete_selected(modeladmin, request, queryset)
    new_entries = list(
        LogEntry.objects.filter(pk__gt=last_before, user_id=request.user.pk, action_flag=DELETION).select_related(
            "user", "content_type"
        )
    )
    if new_entries:
        with schema_context(get_public_schema_name()):
            mirrored = set(
                AuditEvent.objects.filter(
                    action="admin.delete", changes__admin_log_entry_id__in=[entry.pk for entry in new_entries]
                ).values_list("changes__admin_log_entry_id", flat=True)
            )
        mirror_admin_log_entries(entries=[entry for entry in new_entries if entry.pk not in mirrored])
    return response
