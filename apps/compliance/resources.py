"""The compliance resources, each wired from this app's named forms, selectors and services."""

from apps.records.resources import RecordResource

from . import forms, selectors, services
from .models import ComplianceItem, ComplianceTask

ITEMS = RecordResource.of(ComplianceItem, forms=forms, selectors=selectors, services=services)
TASKS = RecordResource.of(ComplianceTask, forms=forms, selectors=selectors, services=services)
