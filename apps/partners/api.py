"""REST API for partners under /api/v1/ (router in projectmeats/api_urls.py)."""

from __future__ import annotations

from rest_framework import serializers

from apps.records.api import RECORD_READ_ONLY_FIELDS, CsvViewSetMixin, RecordSerializer, RecordViewSet

from . import forms
from .models import Carrier, Contact, Customer, Location, Plant, Supplier
from .resources import CARRIERS, CONTACTS, CUSTOMERS, LOCATIONS, PLANTS, SUPPLIERS


class SupplierSerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = Supplier
        fields = [*RECORD_READ_ONLY_FIELDS, *forms.SupplierForm.Meta.fields]


class CustomerSerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = Customer
        fields = [*RECORD_READ_ONLY_FIELDS, *forms.CustomerForm.Meta.fields]


class PlantSerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = Plant
        fields = [*RECORD_READ_ONLY_FIELDS, *forms.PlantForm.Meta.fields]


class CarrierSerializer(RecordSerializer):
    insurance_status = serializers.SerializerMethodField()

    class Meta(RecordSerializer.Meta):
        model = Carrier
        fields = [*RECORD_READ_ONLY_FIELDS, *forms.CarrierForm.Meta.fields, "insurance_status"]

    def get_insurance_status(self, carrier: Carrier) -> str:
        """`expired`, `expires_soon` (within 30 days), `ok` or `unknown`."""
        return carrier.insurance_status()


class ContactSerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = Contact
        fields = [*RECORD_READ_ONLY_FIELDS, *forms.ContactForm.Meta.fields]


class LocationSerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = Location
        fields = [*RECORD_READ_ONLY_FIELDS, *forms.LocationForm.Meta.fields]


class SupplierViewSet(CsvViewSetMixin, RecordViewSet):
    resource = SUPPLIERS
    serializer_class = SupplierSerializer


class CustomerViewSet(CsvViewSetMixin, RecordViewSet):
    resource = CUSTOMERS
    serializer_class = CustomerSerializer


class PlantViewSet(RecordViewSet):
    resource = PLANTS
    serializer_class = PlantSerializer


class CarrierViewSet(RecordViewSet):
    resource = CARRIERS
    serializer_class = CarrierSerializer


class ContactViewSet(RecordViewSet):
    resource = CONTACTS
    serializer_class = ContactSerializer


class LocationViewSet(RecordViewSet):
    resource = LOCATIONS
    serializer_class = LocationSerializer
