"""Offboarding: the owner asks for deletion, an export is prepared, a superuser may cancel, and the
tenant is purged after OFFBOARDING_GRACE_DAYS."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.permissions import Capability, require_capability
from apps.audit.services import audit_record
from backend.exceptions import ApplicationError
from backend.tenancy import forget_hosts

from .models import Client, Domain
from .services import _lock_tenant, _platform_audit


@transaction.atomic
def tenant_offboarding_request(*, tenant: Client, actor, confirm: str) -> Client:
    """The owner asks for deletion: the tenant stops serving (423), an export job is queued, and the
    schema and files are purged after OFFBOARDING_GRACE_DAYS unless a superuser cancels first."""
    from .tasks import export_tenant_data

    require_capability(user=actor, capability=Capability.OWN, tenant=tenant)
    if (confirm or "").strip().lower() != tenant.schema_name:
        raise ApplicationError(f"Type {tenant.schema_name} to confirm.", field="confirm")
    locked = _lock_tenant(tenant)
    if locked.status != Client.Status.ACTIVE:
        raise ApplicationError(f"{locked.name} is {locked.get_status_display().lower()}, not active.", field="confirm")
    locked.status = Client.Status.OFFBOARDING
    locked.offboarding_requested_at = timezone.now()
    locked.export_file = ""
    locked.export_ready_at = None
    locked.save(update_fields=["status", "offboarding_requested_at", "export_file", "export_ready_at", "updated_at"])
    changes = {
        "status": [Client.Status.ACTIVE, Client.Status.OFFBOARDING],
        "purge_after": str(offboarding_purge_after(locked)),
    }
    _platform_audit(action="tenant.offboarding_request", actor=actor, tenant=locked, changes=changes)
    with schema_context(locked.schema_name):
        audit_record(action="tenant.offboarding_request", actor=actor, target=locked, changes=changes)
        export_tenant_data.defer()
    return locked


def offboarding_purge_after(tenant: Client):
    if tenant.offboarding_requested_at is None:
        return None
    return tenant.offboarding_requested_at + timedelta(days=settings.OFFBOARDING_GRACE_DAYS)


@transaction.atomic
def tenant_export_record(*, tenant: Client, export_file: str) -> Client:
    """The export job finished: remember the file so the owner can download it."""
    locked = Client.objects.select_for_update().get(pk=tenant.pk)
    locked.export_file = export_file
    locked.export_ready_at = timezone.now()
    locked.save(update_fields=["export_file", "export_ready_at", "updated_at"])
    with schema_context(locked.schema_name):
        audit_record(action="tenant.export_ready", target=locked, changes={"export_file": export_file})
    return locked


@transaction.atomic
def tenant_offboarding_cancel(*, tenant: Client, actor) -> Client:
    """A superuser stops the deletion before the grace period ends; the tenant is active again."""
    if not getattr(actor, "is_superuser", False):
        raise ApplicationError("Only platform superusers can cancel offboarding.", code="permission_denied")
    locked = _lock_tenant(tenant)
    if locked.status != Client.Status.OFFBOARDING:
        raise ApplicationError(f"{locked.name} is not being offboarded.", field="tenant")
    requested = locked.offboarding_requested_at
    locked.status = Client.Status.ACTIVE
    locked.offboarding_requested_at = None
    locked.save(update_fields=["status", "offboarding_requested_at", "updated_at"])
    _platform_audit(
        action="tenant.offboarding_cancel",
        actor=actor,
        tenant=locked,
        changes={"status": [Client.Status.OFFBOARDING, Client.Status.ACTIVE], "requested_at": str(requested)},
    )
    return locked


def offboarded_tenants_due(*, now=None) -> list[Client]:
    cutoff = (now or timezone.now()) - timedelta(days=settings.OFFBOARDING_GRACE_DAYS)
    return list(
        Client.objects.filter(status=Client.Status.OFFBOARDING, offboarding_requested_at__lte=cutoff).order_by("pk")
    )


def tenant_purge(*, tenant: Client, actor=None) -> dict:
    """Drop an offboarded tenant after its grace period: files under `<schema>/`, schema, Client, domains.

    Files go first: if that fails the tenant is still listed and the next run retries. The database
    part is one transaction.
    """
    from backend.tenant_export import delete_storage_prefix

    current = Client.objects.get(pk=tenant.pk)
    purge_after = offboarding_purge_after(current)
    if current.status != Client.Status.OFFBOARDING or purge_after is None or purge_after > timezone.now():
        raise ApplicationError(f"{current.name} is not due for purging.", field="tenant")
    files = delete_storage_prefix(prefix=current.schema_name)
    return _tenant_purge_database(tenant=current, files=files, actor=actor)


@transaction.atomic
def _tenant_purge_database(*, tenant: Client, files: int, actor) -> dict:
    locked = _lock_tenant(tenant)
    domains = list(Domain.objects.filter(tenant_id=locked.pk).values_list("domain", flat=True))
    schema = locked.schema_name
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {connection.ops.quote_name(schema)} CASCADE")
    summary = {"schema": schema, "name": locked.name, "domains": domains, "files_deleted": files}
    _platform_audit(action="tenant.purge", actor=actor, tenant=locked, changes=summary)
    locked.delete()  # memberships and domains cascade; auto_drop_schema is off, the schema went above
    transaction.on_commit(lambda: forget_hosts(domains))
    return summary
