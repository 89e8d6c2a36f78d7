"""factory_boy factories for compliance; rows go into whatever tenant schema is active."""

import datetime
import hashlib

import factory
from django.db import connection

from apps.compliance.models import ComplianceItem, ComplianceTask, Evidence, EvidenceVersion


class ComplianceItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ComplianceItem

    name = factory.Sequence(lambda n: f"SQF certificate {n}")
    category = ComplianceItem.Category.CERTIFICATE
    starts_on = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=30))
    recurrence = "FREQ=YEARLY"
    lead_time_days = 14


class ComplianceTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ComplianceTask

    name = factory.Sequence(lambda n: f"Renew permit {n}")
    due_date = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=30))
    lead_time_days = 7


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evidence

    task = factory.SubFactory(ComplianceTaskFactory)
    title = factory.Sequence(lambda n: f"Audit report {n}")


class EvidenceVersionFactory(factory.django.DjangoModelFactory):
    """A version row whose storage name sits under the active schema's prefix (the file itself is not written)."""

    class Meta:
        model = EvidenceVersion

    evidence = factory.SubFactory(EvidenceFactory)
    number = 1
    filename = "audit.pdf"
    file = factory.Sequence(lambda n: f"{connection.schema_name}/compliance/evidence/factory{n}/audit.pdf")
    content_type = "application/pdf"
    size = 1024
    sha256 = factory.LazyAttribute(lambda version: hashlib.sha256(version.file.encode()).hexdigest())
