"""Issue 18: the task filters start on "All" (changing one filter no longer adds the first member as the
assignee), and a refused evidence upload comes back to the task page with the typed title and the reason."""

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from apps.compliance.tests.factories import ComplianceTaskFactory


def test_task_filters_offer_all_and_a_status_filter_alone_lists_every_assignee(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        ComplianceTaskFactory(name="Unassigned permit")
        ComplianceTaskFactory(name="Owner permit", assignee_id=tenant_a.owner.pk)
    client = client_for(tenant_a, tenant_a.viewer)
    page = client.get("/compliance-tasks/").text
    assignee = re.search(r'<select name="assignee"[^>]*>(.*?)</select>', page, re.S).group(1)
    first = re.search(r"<option[^>]*>([^<]*)</option>", assignee)
    assert first.group(0).startswith('<option value=""') and first.group(1) == "All"
    assert "---------" not in page
    # What the browser submits after changing only the status filter: every select at its first option.
    listed = client.get("/compliance-tasks/", {"status": "open", "assignee": "", "rag": "", "q": ""}).text
    assert "Unassigned permit" in listed and "Owner permit" in listed


def test_refused_upload_returns_to_the_task_with_title_and_reason(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        task = ComplianceTaskFactory()
    upload = SimpleUploadedFile("notes.txt", b"plain text", content_type="text/plain")
    response = client_for(tenant_a, tenant_a.staff).post(
        f"/compliance-tasks/{task.pk}/evidence/", {"file": upload, "title": "Pest control log"}
    )
    assert response.status_code == 400
    page = response.text
    assert f"<h1>{task.name}" in page  # the task page itself, not a dead end
    assert 'value="Pest control log"' in page
    assert 'class="field-error"' in page
