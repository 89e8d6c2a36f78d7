"""Writes for partners. Each goes through the shared record services: EDIT capability → validation
(model rules, per-tenant unique codes) → write → audit event with before/after values."""

from __future__ import annotations

from typing import Any

from apps.records.services import record_archive, record_create, record_update

from .models import Carrier, Contact, Customer, Location, Plant, Supplier


def supplier_create(*, user, data: dict[str, Any]) -> Supplier:
    return record_create(model=Supplier, user=user, data=data)


def supplier_update(*, user, record: Supplier, data: dict[str, Any]) -> Supplier:
    return record_update(record=record, user=user, data=data)


def supplier_archive(*, user, record: Supplier) -> Supplier:
    return record_archive(record=record, user=user)


def customer_create(*, user, data: dict[str, Any]) -> Customer:
    return record_create(model=Customer, user=user, data=data)


def customer_update(*, user, record: Customer, data: dict[str, Any]) -> Customer:
    return record_update(record=record, user=user, data=data)


def customer_archive(*, user, record: Customer) -> Customer:
    return record_archive(record=record, user=user)


def plant_create(*, user, data: dict[str, Any]) -> Plant:
    return record_create(model=Plant, user=user, data=data)


def plant_update(*, user, record: Plant, data: dict[str, Any]) -> Plant:
    return record_update(record=record, user=user, data=data)


def plant_archive(*, user, record: Plant) -> Plant:
    return record_archive(record=record, user=user)


def carrier_create(*, user, data: dict[str, Any]) -> Carrier:
    return record_create(model=Carrier, user=user, data=data)


def carrier_update(*, user, record: Carrier, data: dict[str, Any]) -> Carrier:
    return record_update(record=record, user=user, data=data)


def carrier_archive(*, user, record: Carrier) -> Carrier:
    return record_archive(record=record, user=user)


def contact_create(*, user, data: dict[str, Any]) -> Contact:
    return record_create(model=Contact, user=user, data=data)


def contact_update(*, user, record: Contact, data: dict[str, Any]) -> Contact:
    return record_update(record=record, user=user, data=data)


def contact_archive(*, user, record: Contact) -> Contact:
    return record_archive(record=record, user=user)


def location_create(*, user, data: dict[str, Any]) -> Location:
    return record_create(model=Location, user=user, data=data)


def location_update(*, user, record: Location, data: dict[str, Any]) -> Location:
    return record_update(record=record, user=user, data=data)


def location_archive(*, user, record: Location) -> Location:
    return record_archive(record=record, user=user)
