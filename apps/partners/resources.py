"""The partner resources, each wired from this app's named forms, selectors and services."""

from apps.records.resources import RecordResource

from . import forms, selectors, services
from .models import Carrier, Contact, Customer, Location, Plant, Supplier

SUPPLIERS = RecordResource.of(Supplier, forms=forms, selectors=selectors, services=services, csv=True)
CUSTOMERS = RecordResource.of(Customer, forms=forms, selectors=selectors, services=services, csv=True)
PLANTS = RecordResource.of(Plant, forms=forms, selectors=selectors, services=services)
CARRIERS = RecordResource.of(Carrier, forms=forms, selectors=selectors, services=services)
CONTACTS = RecordResource.of(Contact, forms=forms, selectors=selectors, services=services)
LOCATIONS = RecordResource.of(Location, forms=forms, selectors=selectors, services=services)
