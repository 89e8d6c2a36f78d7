"""factory_boy factories for compliance; rows go into whatever tenant schema is active."""

import datetime

import factory

from apps.compliance.models import ComplianceItem, ComplianceTask
from backend.clock import tenant_today


class ComplianceItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ComplianceItem

    name = factory.Sequence(lambda n: f"SQF certificate {n}")
    category = ComplianceItem.Category.CERTIFICATE
    starts_on = factory.LazyFunction(lambda: tenant_today() + datetime.timedelta(days=30))
    recurrence = "FREQ=YEARLY"
    lead_time_days = 14


class ComplianceTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ComplianceTask

    name = factory.Sequence(lambda n: f"Renew permit {n}")
    due_date = factory.LazyFunction(lambda: tenant_today() + datetime.timedelta(days=30))
    lead_time_days = 7
