"""Reads for partners: one FilterSet per resource (shared by pages and API) and `get_<entity>_for_user`."""

from __future__ import annotations

import datetime

import django_filters
from django.db.models import Q, QuerySet

from apps.records.selectors import RecordFilterSet, StableOrderingFilter, record_get_for_user, record_list
from backend.clock import tenant_today
from backend.fields import index_lookup

from .models import (
    INSURANCE_WARNING_DAYS,
    Carrier,
    Contact,
    Customer,
    Location,
    PaymentTerms,
    Plant,
    Supplier,
)


class SupplierFilter(RecordFilterSet):
    payment_terms = django_filters.ChoiceFilter(choices=PaymentTerms.choices)
    state = django_filters.CharFilter(lookup_expr="iexact")
    ordering = StableOrderingFilter(fields=("code", "name", "city", "updated_at"))

    class Meta:
        model = Supplier
        fields = ["payment_terms", "state"]


class CustomerFilter(RecordFilterSet):
    payment_terms = django_filters.ChoiceFilter(choices=PaymentTerms.choices)
    status = django_filters.ChoiceFilter(choices=Customer.Status.choices)
    state = django_filters.CharFilter(lookup_expr="iexact")
    ordering = StableOrderingFilter(fields=("code", "name", "city", "credit_limit", "updated_at"))

    class Meta:
        model = Customer
        fields = ["payment_terms", "status", "state"]


class PlantFilter(RecordFilterSet):
    supplier = django_filters.ModelChoiceFilter(queryset=Supplier.objects.filter(is_archived=False))
    ordering = StableOrderingFilter(fields=("code", "name", "establishment_number", "supplier__name"))

    class Meta:
        model = Plant
        fields = ["supplier"]


class CarrierFilter(RecordFilterSet):
    insurance = django_filters.ChoiceFilter(
        method="filter_insurance",
        choices=[
            ("expired", "Expired"),
            ("expires_soon", "Expires soon"),
            ("ok", "Valid"),
            ("unknown", "Not recorded"),
        ],
        label="Insurance",
    )
    ordering = StableOrderingFilter(fields=("code", "name", "insurance_expires_on"))

    class Meta:
        model = Carrier
        fields = ["insurance"]

    def filter_insurance(self, queryset, name, value):
        today = tenant_today()
        soon = today + datetime.timedelta(days=INSURANCE_WARNING_DAYS)
        return {
            "expired": lambda: queryset.filter(insurance_expires_on__lt=today),
            "expires_soon": lambda: queryset.filter(insurance_expires_on__gte=today, insurance_expires_on__lte=soon),
            "ok": lambda: queryset.filter(insurance_expires_on__gt=soon),
            "unknown": lambda: queryset.filter(insurance_expires_on__isnull=True),
        }[value]()


class ContactFilter(RecordFilterSet):
    supplier = django_filters.ModelChoiceFilter(queryset=Supplier.objects.filter(is_archived=False))
    customer = django_filters.ModelChoiceFilter(queryset=Customer.objects.filter(is_archived=False))
    carrier = django_filters.ModelChoiceFilter(queryset=Carrier.objects.filter(is_archived=False))
    # Not by e-mail: it is encrypted (a sort would order ciphertexts).
    ordering = StableOrderingFilter(fields=("name", "updated_at"))

    class Meta:
        model = Contact
        fields = ["supplier", "customer", "carrier"]

    def search(self, queryset, name, value):
        """An e-mail address matches exactly through the blind index (the column is encrypted)."""
        term = value.strip()
        if "@" in term and len(term.split()) == 1:
            return queryset.filter(Q(**index_lookup(Contact, "email", term)) | Q(search_text__contains=term.upper()))
        return super().search(queryset, name, value)


class LocationFilter(RecordFilterSet):
    kind = django_filters.ChoiceFilter(choices=Location.Kind.choices)
    customer = django_filters.ModelChoiceFilter(queryset=Customer.objects.filter(is_archived=False))
    supplier = django_filters.ModelChoiceFilter(queryset=Supplier.objects.filter(is_archived=False))
    ordering = StableOrderingFilter(fields=("code", "name", "city", "kind"))

    class Meta:
        model = Location
        fields = ["kind", "customer", "supplier"]


def supplier_queryset() -> QuerySet[Supplier]:
    return Supplier.objects.all()


def customer_queryset() -> QuerySet[Customer]:
    return Customer.objects.all()


def plant_queryset() -> QuerySet[Plant]:
    return Plant.objects.select_related("supplier")


def carrier_queryset() -> QuerySet[Carrier]:
    return Carrier.objects.all()


def contact_queryset() -> QuerySet[Contact]:
    return Contact.objects.select_related("supplier", "customer", "carrier")


def location_queryset() -> QuerySet[Location]:
    return Location.objects.select_related("customer", "supplier")


def supplier_list(*, filters=None) -> QuerySet[Supplier]:
    return record_list(filterset_class=SupplierFilter, queryset=supplier_queryset(), filters=filters)


def customer_list(*, filters=None) -> QuerySet[Customer]:
    return record_list(filterset_class=CustomerFilter, queryset=customer_queryset(), filters=filters)


def plant_list(*, filters=None) -> QuerySet[Plant]:
    return record_list(filterset_class=PlantFilter, queryset=plant_queryset(), filters=filters)


def carrier_list(*, filters=None) -> QuerySet[Carrier]:
    return record_list(filterset_class=CarrierFilter, queryset=carrier_queryset(), filters=filters)


def contact_list(*, filters=None) -> QuerySet[Contact]:
    return record_list(filterset_class=ContactFilter, queryset=contact_queryset(), filters=filters)


def location_list(*, filters=None) -> QuerySet[Location]:
    return record_list(filterset_class=LocationFilter, queryset=location_queryset(), filters=filters)


def get_supplier_for_user(*, user, pk) -> Supplier:
    return record_get_for_user(queryset=supplier_queryset(), user=user, pk=pk)


def get_customer_for_user(*, user, pk) -> Customer:
    return record_get_for_user(queryset=customer_queryset(), user=user, pk=pk)


def get_plant_for_user(*, user, pk) -> Plant:
    return record_get_for_user(queryset=plant_queryset(), user=user, pk=pk)


def get_carrier_for_user(*, user, pk) -> Carrier:
    return record_get_for_user(queryset=carrier_queryset(), user=user, pk=pk)


def get_contact_for_user(*, user, pk) -> Contact:
    return record_get_for_user(queryset=contact_queryset(), user=user, pk=pk)


def get_location_for_user(*, user, pk) -> Location:
    return record_get_for_user(queryset=location_queryset(), user=user, pk=pk)
