"""Tenant routing: the request's host picks the tenant schema before any view runs (TEN-03)."""

from __future__ import annotations

from django.db import connection
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import get_public_schema_name


class TenantMiddleware(TenantMainMiddleware):
    """django-tenants' middleware; unknown hosts get DEFAULT_NOT_FOUND_TENANT_VIEW (a plain 404)."""


def current_schema() -> str:
    return connection.schema_name


def is_public_schema() -> bool:
    return connection.schema_name == get_public_schema_name()
