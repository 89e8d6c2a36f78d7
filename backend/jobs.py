"""Tenant-aware background jobs on procrastinate (a Postgres-backed queue: no extra server).

Every job carries the schema it was queued from and runs inside it (TEN-12). A job queued without a
tenant, or for a schema that no longer exists, fails loudly instead of touching `public`.

    @tenant_task()
    def send_welcome_email(*, user_id: int) -> None: ...

    send_welcome_email.defer(user_id=user.pk)   # inside a request or tenant_context
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context, schema_exists
from procrastinate.contrib.django import app

from backend.clock import tenant_zone
from backend.logging import bound

logger = logging.getLogger(__name__)


class MissingTenant(RuntimeError):
    """A tenant job was queued or run without a tenant schema."""


class TenantTask:
    """A function plus the procrastinate task that runs it inside the tenant schema it was queued from."""

    def __init__(self, func: Callable[..., Any], task) -> None:
        self.func = func
        self.task = task
        self.name = task.name

    def __call__(self, **kwargs: Any) -> Any:
        return self.func(**kwargs)

    def defer(self, **kwargs: Any) -> int:
        schema = connection.schema_name
        if not schema or schema == get_public_schema_name():
            raise MissingTenant(f"{self.name}: queue tenant jobs from inside a tenant (request or tenant_context)")
        return self.task.defer(schema_name=schema, **kwargs)


def run_in_schema(
    func: Callable[..., Any], schema_name: str | None, kwargs: dict[str, Any], *, task_name: str | None = None
) -> Any:
    if not schema_name or schema_name == get_public_schema_name():
        raise MissingTenant(f"{func.__module__}.{func.__name__}: job has no tenant schema")
    if not schema_exists(schema_name):
        raise MissingTenant(f"{func.__module__}.{func.__name__}: schema {schema_name!r} does not exist")
    # Every line the job writes names its task and tenant (the worker's middleware adds the job id).
    with bound(task=task_name or f"{func.__module__}.{func.__name__}", tenant=schema_name):
        logger.info("job %s.%s running in schema %s", func.__module__, func.__name__, schema_name)
        # Dates in the job (due today? overdue?) and the e-mails it renders follow the tenant's calendar.
        with schema_context(schema_name), timezone.override(tenant_zone()):
            return func(**kwargs)


def tenant_task(*, name: str | None = None, queue: str = "default", **options: Any):
    """Declare a tenant job; see the module docstring."""

    def decorator(func: Callable[..., Any]) -> TenantTask:
        task_name = name or f"{func.__module__}.{func.__name__}"

        def run(schema_name: str | None = None, **kwargs: Any) -> Any:
            return run_in_schema(func, schema_name, kwargs, task_name=task_name)

        run.__name__ = func.__name__
        run.__module__ = func.__module__
        return TenantTask(func, app.task(name=task_name, queue=queue, **options)(run))

    return decorator
