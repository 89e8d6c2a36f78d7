"""Evidence: type checked by content, size limit, sanitised names under the tenant's prefix, versions kept,
downloads for members of the tenant only."""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context
from PIL import Image

from apps.compliance.models import Evidence, EvidenceVersion
from apps.compliance.tests.factories import ComplianceTaskFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def _task(world):
    with tenant_context(world.tenant):
        return ComplianceTaskFactory()


def _upload(client, task, name, content, content_type="application/pdf", **extra):
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    return client.post(f"/compliance-tasks/{task.pk}/evidence/", {"file": upload, **extra})


def test_pdf_is_stored_under_the_tenants_prefix_and_downloads(tenant_a, client_for):
    task = _task(tenant_a)
    client = client_for(tenant_a, tenant_a.staff)
    assert _upload(client, task, "SQF cert 2027.pdf", PDF, title="SQF certificate").status_code == 302
    with tenant_context(tenant_a.tenant):
        version = EvidenceVersion.objects.get()
    assert version.file.startswith("alpha/compliance/evidence/")
    assert version.file.endswith("/SQF_cert_2027.pdf")
    assert (version.content_type, version.size, version.number) == ("application/pdf", len(PDF), 1)
    response = client_for(tenant_a, tenant_a.viewer).get(f"/compliance/evidence/versions/{version.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_an_image_named_pdf_is_stored_with_its_real_type(tenant_a, client_for):
    task = _task(tenant_a)
    assert _upload(client_for(tenant_a, tenant_a.staff), task, "scan.pdf", png_bytes()).status_code == 302
    with tenant_context(tenant_a.tenant):
        version = EvidenceVersion.objects.get()
    assert (version.filename, version.content_type) == ("scan.png", "image/png")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("invoice.pdf", b"<html><script>alert(1)</script></html>"),
        ("photo.png", b"MZ\x90\x00 this is an executable"),
        ("cert.pdf", b"GIF89a but truncated"),
    ],
)
def test_wrong_types_disguised_by_extension_are_refused(tenant_a, client_for, name, content):
    task = _task(tenant_a)
    response = _upload(client_for(tenant_a, tenant_a.staff), task, name, content)
    assert response.status_code == 400
    assert "PDF, PNG, JPEG or GIF" in response.content.decode()
    with tenant_context(tenant_a.tenant):
        assert not Evidence.objects.exists()


def test_oversize_files_are_refused(tenant_a, client_for, settings):
    settings.COMPLIANCE_EVIDENCE_MAX_BYTES = 1024 * 1024
    task = _task(tenant_a)
    response = _upload(client_for(tenant_a, tenant_a.staff), task, "big.pdf", PDF + b"0" * (1024 * 1024))
    assert response.status_code == 400
    assert "larger than 1 MB" in response.content.decode()


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("../../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\system32\\cert.pdf", "cert.pdf"),
        ("/absolute/path/.hidden.pdf", "hidden.pdf"),
        ("ünïcode naïve<>|:*?.pdf", "unicode_naive.pdf"),
        ("___.pdf", "evidence.pdf"),
    ],
)
def test_path_traversal_names_are_sanitised(tenant_a, client_for, name, stored):
    task = _task(tenant_a)
    assert _upload(client_for(tenant_a, tenant_a.staff), task, name, PDF).status_code == 302
    with tenant_context(tenant_a.tenant):
        version = EvidenceVersion.objects.get()
    assert version.filename == stored
    prefix, token, filename = version.file.rsplit("/", 2)
    assert prefix == "alpha/compliance/evidence" and len(token) == 32 and filename == stored
    assert ".." not in version.file


def test_replacing_keeps_earlier_versions_downloadable(tenant_a, client_for):
    task = _task(tenant_a)
    client = client_for(tenant_a, tenant_a.staff)
    _upload(client, task, "v1.pdf", PDF)
    with tenant_context(tenant_a.tenant):
        evidence = Evidence.objects.get()
    second = PDF.replace(b"1.4", b"1.7")
    upload = SimpleUploadedFile("v2.pdf", second, content_type="application/pdf")
    assert client.post(f"/compliance/evidence/{evidence.pk}/replace/", {"file": upload}).status_code == 302
    with tenant_context(tenant_a.tenant):
        versions = list(evidence.versions.order_by("number"))
    assert [(v.number, v.filename) for v in versions] == [(1, "v1.pdf"), (2, "v2.pdf")]
    old = client.get(f"/compliance/evidence/versions/{versions[0].pk}/")
    assert b"".join(old.streaming_content) == PDF
    assert default_storage.exists(versions[1].file)


def test_viewer_cannot_upload_or_replace(tenant_a, client_for):
    task = _task(tenant_a)
    viewer = client_for(tenant_a, tenant_a.viewer)
    assert _upload(viewer, task, "x.pdf", PDF).status_code == 403
    _upload(client_for(tenant_a, tenant_a.staff), task, "x.pdf", PDF)
    with tenant_context(tenant_a.tenant):
        evidence = Evidence.objects.get()
    upload = SimpleUploadedFile("y.pdf", PDF, content_type="application/pdf")
    assert viewer.post(f"/compliance/evidence/{evidence.pk}/replace/", {"file": upload}).status_code == 403


def test_download_is_refused_to_other_tenants_users_outsiders_and_anonymous(tenant_a, tenant_b, outsider, client_for):
    task = _task(tenant_a)
    _upload(client_for(tenant_a, tenant_a.staff), task, "secret.pdf", PDF)
    with tenant_context(tenant_a.tenant):
        version = EvidenceVersion.objects.get()
    url = f"/compliance/evidence/versions/{version.pk}/"
    assert client_for(tenant_b, tenant_b.owner).get(url).status_code == 404  # beta's host: no such id there
    assert client_for(tenant_a, tenant_b.owner).get(url).status_code == 403  # alpha's host, not a member
    assert client_for(tenant_a, outsider).get(url).status_code == 403
    assert client_for(tenant_a).get(url).status_code == 302


def test_other_tenants_task_and_evidence_cannot_be_uploaded_to(tenant_a, tenant_b, client_for):
    theirs = _task(tenant_b)
    _upload(client_for(tenant_b, tenant_b.staff), theirs, "b.pdf", PDF)
    with tenant_context(tenant_b.tenant):
        evidence = Evidence.objects.get()
    client = client_for(tenant_a, tenant_a.owner)
    with tenant_context(tenant_a.tenant):
        assert not Evidence.objects.exists()  # so beta's ids name nothing in alpha's schema
    assert _upload(client, theirs, "a.pdf", PDF).status_code == 404
    upload = SimpleUploadedFile("y.pdf", PDF, content_type="application/pdf")
    assert client.post(f"/compliance/evidence/{evidence.pk}/replace/", {"file": upload}).status_code == 404


def test_api_lists_and_uploads_evidence(tenant_a, client_for):
    task = _task(tenant_a)
    client = client_for(tenant_a, tenant_a.staff)
    url = f"/api/v1/compliance-tasks/{task.pk}/evidence/"
    created = client.post(url, {"file": SimpleUploadedFile("c.gif", _gif(), content_type="image/gif")})
    assert created.status_code == 201, created.json()
    assert created.json()["versions"][0]["content_type"] == "image/gif"
    bad = client.post(url, {"file": SimpleUploadedFile("c.pdf", b"nope", content_type="application/pdf")})
    assert bad.status_code == 400 and "file" in bad.json()["fields"]
    listed = client_for(tenant_a, tenant_a.viewer).get(url).json()
    assert [row["title"] for row in listed["results"]] == ["c.gif"]


def test_api_evidence_list_is_paginated_like_the_schema_says(tenant_a, client_for, django_assert_num_queries):
    """GET .../evidence/ answers the paginated object the OpenAPI schema documents (it was a bare list),
    in a fixed number of queries however many documents and versions there are."""
    task = _task(tenant_a)
    client = client_for(tenant_a, tenant_a.staff)
    url = f"/api/v1/compliance-tasks/{task.pk}/evidence/"
    for name in ("a.gif", "b.gif", "c.gif"):
        client.post(url, {"file": SimpleUploadedFile(name, _gif(), content_type="image/gif")})
    viewer = client_for(tenant_a, tenant_a.viewer)
    viewer.get(url)  # warm the session and routing caches
    with django_assert_num_queries(QUERIES_FOR_EVIDENCE_LIST):
        page = viewer.get(url, {"page": 1}).json()
    assert set(page) == {"count", "next", "previous", "results"}
    assert page["count"] == 3 and [row["title"] for row in page["results"]] == ["a.gif", "b.gif", "c.gif"]
    client.post(url, {"file": SimpleUploadedFile("a.gif", _gif(), content_type="image/gif"), "title": "a.gif"})
    with django_assert_num_queries(QUERIES_FOR_EVIDENCE_LIST):  # more documents and versions, same queries
        assert viewer.get(url, {"page": 1}).json()["count"] >= 3
    schema = viewer.get("/api/v1/schema/", {"format": "json"}).json()
    documented = schema["paths"]["/api/v1/compliance-tasks/{id}/evidence/"]["get"]["responses"]["200"]
    assert documented["content"]["application/json"]["schema"]["$ref"].endswith("/PaginatedEvidenceList")


QUERIES_FOR_EVIDENCE_LIST = 7  # session, membership, task, count, page, versions; search_path rides with each statement


def _gif() -> bytes:
    buffer = io.BytesIO()
    Image.new("P", (2, 2)).save(buffer, format="GIF")
    return buffer.getvalue()


def test_archived_tasks_take_no_new_evidence(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        task = ComplianceTaskFactory(is_archived=True)
    response = _upload(client_for(tenant_a, tenant_a.staff), task, "late.pdf", PDF)
    assert response.status_code == 400
    assert "Archived tasks" in response.content.decode()
