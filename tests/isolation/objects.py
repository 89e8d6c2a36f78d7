"""Rows that exist only in the other tenant, built with the apps' own factories (apps/*/tests/factories.py).

Tenant-schema rows get a fixed primary key that the probed tenant's schema does not have; public-schema rows
that belong to a tenant (memberships, invitations, domains) get the other tenant as their `tenant`.
"""

from __future__ import annotations

import functools
import importlib

from django.apps import apps as django_apps
from django.conf import settings
from django.db import models
from django_tenants.utils import get_tenant_model, tenant_context
from factory.django import DjangoModelFactory

# An id that exists only in the other tenant, one that exists nowhere, one that exists only in the probed one.
OTHER_ID = 900_001
MISSING_ID = 900_002
PRESENT_ID = 900_003


@functools.cache
def record_factories() -> dict[type[models.Model], type[DjangoModelFactory]]:
    """Model → factory, from every `apps.<app>.tests.factories` module (`<Model>Factory` preferred)."""
    found: dict[type[models.Model], type[DjangoModelFactory]] = {}
    for config in django_apps.get_app_configs():
        if not config.name.startswith("apps."):
            continue
        module_name = f"{config.name}.tests.factories"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue
            raise
        for value in vars(module).values():
            if not (isinstance(value, type) and issubclass(value, DjangoModelFactory)):
                continue
            model = value._meta.model
            if value.__module__ != module_name or model is None:
                continue
            if model not in found or value.__name__ == f"{model.__name__}Factory":
                found[model] = value
    return found


def is_shared(model: type[models.Model]) -> bool:
    """Whether the model's table lives only in the public schema (one table for all tenants)."""
    app = model._meta.app_config.name
    return app in settings.SHARED_APPS and app not in settings.TENANT_APPS


def record_only_in(tenant, model: type[models.Model], *, pk: int, hidden_from) -> models.Model:
    """A `model` row with primary key `pk` owned by `tenant`, checked to be invisible from `hidden_from`'s
    schema (a public row is visible everywhere: what makes it `tenant`'s is its `tenant` field)."""
    kwargs: dict[str, object] = {model._meta.pk.attname: pk}
    tenant_model = get_tenant_model()
    for model_field in model._meta.concrete_fields:
        if model_field.is_relation and model_field.related_model is tenant_model:
            kwargs[model_field.name] = tenant
    with tenant_context(tenant):
        record = record_factories()[model](**kwargs)
    with tenant_context(hidden_from):
        visible = model._base_manager.filter(pk__in=[pk, MISSING_ID]).exists()
    assert visible == is_shared(model), f"{model._meta.label} #{pk}: visible from {hidden_from.schema_name}"
    return record
