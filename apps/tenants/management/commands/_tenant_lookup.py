"""`--schema NAME` → the tenant, or the one-line error every tenant command gives."""

from django.core.management.base import CommandError

from apps.tenants.models import Client


def tenant_by_schema(schema: str) -> Client:
    try:
        return Client.objects.get(schema_name=(schema or "").strip())
    except Client.DoesNotExist:
        raise CommandError(f"No tenant with schema {schema!r}.") from None
