"""factory_boy factories for compliance; rows go into whatever tenant schema is active."""

import datetime
import hashlib

import factory
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection

from apps.compliance.models import ComplianceItem, ComplianceTask, Evidence, EvidenceVersion
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


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evidence

    task = factory.SubFactory(ComplianceTaskFactory)
    title = factory.Sequence(lambda n: f"Audit report {n}")


EVIDENCE_CONTENT = b"%PDF-1.4\n% evidence written by EvidenceVersionFactory\n"


class EvidenceVersionFactory(factory.django.DjangoModelFactory):
    """A version whose file is stored (default storage) under the active schema's prefix, like an upload."""

    class Meta:
        model = EvidenceVersion
        skip_postgeneration_save = True

    evidence = factory.SubFactory(EvidenceFactory)
    number = 1
    filename = "audit.pdf"
    file = factory.Sequence(lambda n: f"{connection.schema_name}/compliance/evidence/factory{n}/audit.pdf")
    content_type = "application/pdf"
    size = len(EVIDENCE_CONTENT)
    sha256 = hashlib.sha256(EVIDENCE_CONTENT).hexdigest()

    @factory.post_generation
    def stored(version, create, extracted, **kwargs):
        if create:
            name = default_storage.save(version.file, ContentFile(EVIDENCE_CONTENT))
            if name != version.file:
                version.file = name
                version.save(update_fields=["file"])
