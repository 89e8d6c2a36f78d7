"""Reads about tenants and domains."""

from __future__ import annotations

from django_tenants.utils import get_public_schema_name

from .models import Client, Domain


def tenant_exists(*, schema_name: str) -> bool:
    return Client.objects.filter(schema_name=schema_name).exists()


def domain_taken(*, domain: str) -> bool:
    return Domain.objects.filter(domain__iexact=domain).exists()


def tenant_list() -> list[Client]:
    return list(Client.objects.exclude(schema_name=get_public_schema_name()).prefetch_related("domains"))


def schema_exists(*, schema_name: str) -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema_name])
        return cursor.fetchone() is not None
