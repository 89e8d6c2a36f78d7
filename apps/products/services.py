"""Writes for products through the shared record services (EDIT capability, validation, audit)."""

from __future__ import annotations

from typing import Any

from apps.records.services import record_archive, record_create, record_update

from .models import Product


def product_create(*, user, data: dict[str, Any]) -> Product:
    return record_create(model=Product, user=user, data=data)


def product_update(*, user, record: Product, data: dict[str, Any]) -> Product:
    return record_update(record=record, user=user, data=data)


def product_archive(*, user, record: Product) -> Product:
    return record_archive(record=record, user=user)
