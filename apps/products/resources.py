"""The product resource, wired from this app's named form, selectors and services."""

from apps.records.resources import RecordResource

from . import forms, selectors, services
from .models import Product

PRODUCTS = RecordResource.of(Product, forms=forms, selectors=selectors, services=services, csv=True)
