"""REST API for partners under /api/v1/ (router in projectmeats/api_urls.py)."""

from __future__ import annotations

from rest_framework import serializers

from apps.records.api import RECORD_READ_ONLY_FIELDS, CsvViewSetMixin, RecordSerializer, RecordViewSet

from . import selectors, services
from .forms import CustomerForm, SupplierForm
from .models import Carrier, Contact, Customer, Location, Plant, Supplier

ADDRESS_FIELDS = ["street", "city", "state", "postal_code", "country"]


class SupplierSerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = Supplier
        fields = [*RECORD_READ_ONLY_FIELDS, "code", "name", "email", "phone", "payment_terms", *ADDRESS_FIELDS, "notes"]


class CustomerSerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = Customer
        fields = [
            *RECORD_READ_ONLY_FIELDS,
            "code",
            "name",
            "email",
            "phone",
            "payment_terms",
            "credit_limit",
            "status",
            *ADDRESS_FIELDS,
            "notes",
        ]


class PlantSerializer(RecordSerializer):
    supplier = serializers.PrimaryKeyRelatedField(queryset=Supplier.objects.filter(is_archived=False))

    class Meta(RecordSerializer.Meta):
        model = Plant
        fields = [*RECORD_READ_ONLY_FIELDS, "supplier", "code", "name", "establishment_number", *ADDRESS_FIELDS]


class CarrierSerializer(RecordSerializer):
    insurance_status = serializers.SerializerMethodField()

    class Meta(RecordSerializer.Meta):
        model = Carrier
        fields = [
            *RECORD_READ_ONLY_FIELDS,
            "code",
            "name",
            "mc_number",
            "dot_number",
            "insurance_expires_on",
            "insurance_status",
            "email",
            "phone",
            *ADDRESS_FIELDS,
        ]

    def get_insurance_status(self, carrier: Carrier) -> str:
        """`expired`, `expires_soon` (within 30 days), `ok` or `unknown`."""
        return carrier.insurance_status()


class ContactSerializer(RecordSerializer):
    supplier = serializers.PrimaryKeyRelatedField(
        queryset=Supplier.objects.filter(is_archived=False), required=False, allow_null=True
    )
    customer = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.filter(is_archived=False), required=False, allow_null=True
    )
    carrier = serializers.PrimaryKeyRelatedField(
        queryset=Carrier.objects.filter(is_archived=False), required=False, allow_null=True
    )

    class Meta(RecordSerializer.Meta):
        model = Contact
        fields = [*RECORD_READ_ONLY_FIELDS, "name", "title", "email", "phone", "supplier", "customer", "carrier"]


class LocationSerializer(RecordSerializer):
    customer = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.filter(is_archived=False), required=False, allow_null=True
    )
    supplier = serializers.PrimaryKeyRelatedField(
        queryset=Supplier.objects.filter(is_archived=False), required=False, allow_null=True
    )

    class Meta(RecordSerializer.Meta):
        model = Location
        fields = [
            *RECORD_READ_ONLY_FIELDS,
            "code",
            "name",
            "kind",
            "customer",
            "supplier",
            *ADDRESS_FIELDS,
            "receiving_hours",
        ]


class SupplierViewSet(CsvViewSetMixin, RecordViewSet):
    queryset = selectors.supplier_queryset()
    serializer_class = SupplierSerializer
    filterset_class = selectors.SupplierFilter
    get_for_user = staticmethod(selectors.get_supplier_for_user)
    create_service = staticmethod(services.supplier_create)
    update_service = staticmethod(services.supplier_update)
    archive_service = staticmethod(services.supplier_archive)
    csv_columns = SupplierForm.Meta.fields
    csv_form_class = SupplierForm
    csv_filename = "suppliers.csv"


class CustomerViewSet(CsvViewSetMixin, RecordViewSet):
    queryset = selectors.customer_queryset()
    serializer_class = CustomerSerializer
    filterset_class = selectors.CustomerFilter
    get_for_user = staticmethod(selectors.get_customer_for_user)
    create_service = staticmethod(services.customer_create)
    update_service = staticmethod(services.customer_update)
    archive_service = staticmethod(services.customer_archive)
    csv_columns = CustomerForm.Meta.fields
    csv_form_class = CustomerForm
    csv_filename = "customers.csv"


class PlantViewSet(RecordViewSet):
    queryset = selectors.plant_queryset()
    serializer_class = PlantSerializer
    filterset_class = selectors.PlantFilter
    get_for_user = staticmethod(selectors.get_plant_for_user)
    create_service = staticmethod(services.plant_create)
    update_service = staticmethod(services.plant_update)
    archive_service = staticmethod(services.plant_archive)


class CarrierViewSet(RecordViewSet):
    queryset = selectors.carrier_queryset()
    serializer_class = CarrierSerializer
    filterset_class = selectors.CarrierFilter
    get_for_user = staticmethod(selectors.get_carrier_for_user)
    create_service = staticmethod(services.carrier_create)
    update_service = staticmethod(services.carrier_update)
    archive_service = staticmethod(services.carrier_archive)


class ContactViewSet(RecordViewSet):
    queryset = selectors.contact_queryset()
    serializer_class = ContactSerializer
    filterset_class = selectors.ContactFilter
    get_for_user = staticmethod(selectors.get_contact_for_user)
    create_service = staticmethod(services.contact_create)
    update_service = staticmethod(services.contact_update)
    archive_service = staticmethod(services.contact_archive)


class LocationViewSet(RecordViewSet):
    queryset = selectors.location_queryset()
    serializer_class = LocationSerializer
    filterset_class = selectors.LocationFilter
    get_for_user = staticmethod(selectors.get_location_for_user)
    create_service = staticmethod(services.location_create)
    update_service = staticmethod(services.location_update)
    archive_service = staticmethod(services.location_archive)
