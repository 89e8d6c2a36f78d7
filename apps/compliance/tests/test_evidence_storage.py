"""Evidence uploads count against the tenant's storage quota, bodies are capped before they are read,
and a file saved by a transaction that rolls back is deleted (issue 15)."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from apps.audit import services as audit_services
from apps.compliance.models import EvidenceVersion
from apps.tenants.models import Client
from backend.tenant_export import delete_storage_prefix, storage_files

from .test_evidence import PDF, _task, _upload


@pytest.fixture(autouse=True)
def _clean_storage():
    yield
    delete_storage_prefix(prefix="alpha")


def _used(tenant_world) -> int:
    return Client.objects.get(pk=tenant_world.tenant.pk).storage_bytes_used


def _evidence_files() -> list[str]:
    return [name for name in storage_files(default_storage, "alpha") if "/compliance/evidence/" in name]


def test_evidence_upload_counts_against_the_storage_quota(tenant_a, client_for):
    """Before: a 5 MiB PDF left the usage counter at 0."""
    before = _used(tenant_a)
    big = PDF + b"0" * (5 * 1024 * 1024)
    assert _upload(client_for(tenant_a, tenant_a.staff), _task(tenant_a), "big.pdf", big).status_code == 302
    assert _used(tenant_a) == before + len(big)


def test_evidence_over_the_quota_is_refused_and_leaves_no_file(tenant_a, client_for):
    Client.objects.filter(pk=tenant_a.tenant.pk).update(quota_overrides={"max_storage_bytes": 100})
    response = _upload(client_for(tenant_a, tenant_a.staff), _task(tenant_a), "big.pdf", PDF + b"0" * 200)
    assert response.status_code == 400
    assert "Not enough storage" in response.text
    assert _evidence_files() == []
    with tenant_context(tenant_a.tenant):
        assert not EvidenceVersion.objects.exists()


def test_a_rolled_back_upload_leaves_no_file_and_no_usage(tenant_a, client_for, monkeypatch):
    """Before: the saved file survived when something after the save failed and the transaction rolled back."""
    before = _used(tenant_a)

    def failing_audit(**kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr("apps.compliance.services.audit_record", failing_audit)
    client = client_for(tenant_a, tenant_a.staff, raise_request_exception=False)
    response = _upload(client, _task(tenant_a), "x.pdf", PDF)
    assert response.status_code == 500
    assert _evidence_files() == []
    assert _used(tenant_a) == before
    assert audit_services  # the real service module stays importable


def test_request_bodies_over_the_limit_are_refused_before_they_are_read(tenant_a, client_for, settings):
    settings.REQUEST_BODY_MAX_BYTES = 1024
    task = _task(tenant_a)
    upload = SimpleUploadedFile("big.pdf", PDF + b"0" * 4096, content_type="application/pdf")
    response = client_for(tenant_a, tenant_a.staff).post(f"/compliance-tasks/{task.pk}/evidence/", {"file": upload})
    assert response.status_code == 413
    assert _evidence_files() == []
