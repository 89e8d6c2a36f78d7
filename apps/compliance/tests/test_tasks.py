"""Compliance tasks: pages and API, filters, the open → in review → done workflow by role, isolation."""

import datetime

import pytest
from django_tenants.utils import tenant_context

from apps.audit.models import AuditEvent
from apps.compliance.models import ComplianceTask, TaskTransition
from apps.compliance.tests.factories import ComplianceItemFactory, ComplianceTaskFactory
from apps.records.testing import assert_list_queries_flat
from backend.clock import tenant_today

LIST = "/compliance-tasks/"
API = "/api/v1/compliance-tasks/"


def test_staff_creates_an_ad_hoc_task_on_the_page(tenant_a, client_for):
    form = {
        "name": "Renew state meat licence",
        "assignee": str(tenant_a.staff.pk),
        "due_date": "2027-04-01",
        "lead_time_days": "7",
    }
    response = client_for(tenant_a, tenant_a.staff).post(LIST + "new/", form)
    assert response.status_code == 302
    with tenant_context(tenant_a.tenant):
        task = ComplianceTask.objects.get()
        assert (task.item, task.assignee_id, task.status) == (None, tenant_a.staff.pk, "open")
        assert task.remind_on == datetime.date(2027, 3, 25)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "x" * 101}, "name"),
        ({"due_date": "2027-02-30"}, "due_date"),
        ({"assignee_id": 999999}, "assignee_id"),
        ({"name": ""}, "name"),
        # Was a 500 (found by schemathesis): the reminder date, due − lead time, fell before year 1.
        ({"due_date": "0001-01-01"}, "due_date"),
        ({"due_date": "0001-01-05", "lead_time_days": 0}, "due_date"),
    ],
)
def test_api_refuses_invalid_tasks(tenant_a, client_for, payload, field):
    body = {"name": "Ad hoc", "due_date": "2027-04-01", **payload}
    response = client_for(tenant_a, tenant_a.staff).post(API, body, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_api_creates_a_task_and_another_tenants_member_cannot_be_assigned(tenant_a, tenant_b, client_for):
    client = client_for(tenant_a, tenant_a.staff)
    ok = client.post(
        API,
        {"name": "Ad hoc", "due_date": "2027-04-01", "assignee_id": tenant_a.viewer.pk},
        content_type="application/json",
    )
    assert ok.status_code == 201 and ok.json()["status"] == "open"
    refused = client.post(
        API, {"name": "X", "due_date": "2027-04-01", "assignee_id": tenant_b.staff.pk}, content_type="application/json"
    )
    assert refused.status_code == 400


def test_task_list_filters_by_status_assignee_and_rag(tenant_a, client_for):
    today = tenant_today(tenant_a.tenant)
    with tenant_context(tenant_a.tenant):
        ComplianceTaskFactory(name="Mine open", assignee_id=tenant_a.staff.pk)
        ComplianceTaskFactory(name="Theirs in review", assignee_id=tenant_a.manager.pk, status="in_review")
        ComplianceTaskFactory(name="Late one", due_date=today - datetime.timedelta(days=1))
    client = client_for(tenant_a, tenant_a.viewer)
    page = client.get(LIST, {"status": "in_review"}).content.decode()
    assert "Theirs in review" in page and "Mine open" not in page
    page = client.get(LIST, {"assignee": tenant_a.staff.pk}).content.decode()
    assert "Mine open" in page and "Theirs in review" not in page
    names = [row["name"] for row in client.get(API, {"rag": "red"}).json()["results"]]
    assert names == ["Late one"]


def test_task_lists_queries_do_not_grow_with_rows(tenant_a, client_for):
    def rows(n):
        item = ComplianceItemFactory()
        for offset in range(n):
            ComplianceTaskFactory(
                item=item, due_date=datetime.date(2027, 1, 1) + datetime.timedelta(days=offset + n * 40)
            )

    client = client_for(tenant_a, tenant_a.viewer)
    assert_list_queries_flat(client=client, url=LIST, tenant=tenant_a.tenant, create_rows=rows)
    assert_list_queries_flat(client=client, url=API, tenant=tenant_a.tenant, create_rows=rows)


def test_workflow_staff_submits_manager_marks_done_and_every_step_is_recorded(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        task = ComplianceTaskFactory()
    staff, manager = client_for(tenant_a, tenant_a.staff), client_for(tenant_a, tenant_a.manager)
    assert (
        staff.post(f"{LIST}{task.pk}/transition/", {"status": "in_review", "note": "uploaded cert"}).status_code == 302
    )
    refused = staff.post(f"{API}{task.pk}/transition/", {"status": "done"}, content_type="application/json")
    assert refused.status_code == 403
    done = manager.post(f"{API}{task.pk}/transition/", {"status": "done"}, content_type="application/json")
    assert done.status_code == 200 and done.json()["status"] == "done" and done.json()["rag"] == "done"
    with tenant_context(tenant_a.tenant):
        steps = list(
            TaskTransition.objects.filter(task=task).values_list("from_status", "to_status", "actor_id", "note")
        )
        assert steps == [
            ("open", "in_review", tenant_a.staff.pk, "uploaded cert"),
            ("in_review", "done", tenant_a.manager.pk, ""),
        ]
        assert AuditEvent.objects.filter(action="compliancetask.transition", object_id=str(task.pk)).count() == 2
        task.refresh_from_db()
        assert task.completed_at is not None


def test_reviewer_can_send_a_task_back_but_not_skip_review(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        task = ComplianceTaskFactory()
    manager = client_for(tenant_a, tenant_a.manager)
    skip = manager.post(f"{API}{task.pk}/transition/", {"status": "done"}, content_type="application/json")
    assert skip.status_code == 409 and skip.json()["code"] == "invalid_transition"
    manager.post(f"{API}{task.pk}/transition/", {"status": "in_review"}, content_type="application/json")
    back = manager.post(f"{API}{task.pk}/transition/", {"status": "open"}, content_type="application/json")
    assert back.json()["status"] == "open"
    bad = manager.post(f"{API}{task.pk}/transition/", {"status": "closed"}, content_type="application/json")
    assert bad.status_code == 400


def test_viewer_cannot_transition_or_create(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        task = ComplianceTaskFactory()
    viewer = client_for(tenant_a, tenant_a.viewer)
    assert viewer.post(f"{LIST}{task.pk}/transition/", {"status": "in_review"}).status_code == 403
    assert (
        viewer.post(f"{API}{task.pk}/transition/", {"status": "in_review"}, content_type="application/json").status_code
        == 403
    )
    assert viewer.post(API, {"name": "x", "due_date": "2027-01-01"}, content_type="application/json").status_code == 403
    page = viewer.get(f"{LIST}{task.pk}/").content.decode()
    assert "Submit for review" not in page


def test_task_detail_offers_only_the_moves_the_role_allows(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        task = ComplianceTaskFactory(status="in_review")
    assert "Mark done" not in client_for(tenant_a, tenant_a.staff).get(f"{LIST}{task.pk}/").content.decode()
    assert "Mark done" in client_for(tenant_a, tenant_a.manager).get(f"{LIST}{task.pk}/").content.decode()


def test_other_tenants_task_is_not_found_in_pages_and_api(tenant_a, tenant_b, client_for):
    with tenant_context(tenant_b.tenant):
        theirs = ComplianceTaskFactory()
    client = client_for(tenant_a, tenant_a.owner)
    assert client.get(f"{LIST}{theirs.pk}/").status_code == 404
    assert client.post(f"{LIST}{theirs.pk}/transition/", {"status": "in_review"}).status_code == 404
    assert client.get(f"{API}{theirs.pk}/").status_code == 404
    response = client.post(f"{API}{theirs.pk}/transition/", {"status": "in_review"}, content_type="application/json")
    assert response.status_code == 404


def test_api_refuses_anonymous_and_outsiders(tenant_a, outsider, client_for):
    assert client_for(tenant_a).get(API).status_code in (401, 403)
    assert client_for(tenant_a, outsider).get(API).status_code == 403
    assert client_for(tenant_a).get("/api/v1/compliance-items/").status_code in (401, 403)
    assert client_for(tenant_a).get(LIST).status_code == 302


def test_items_api_validates_recurrence_and_members(tenant_a, client_for):
    client = client_for(tenant_a, tenant_a.staff)
    body = {"name": "HACCP plan review", "starts_on": "2027-01-31", "recurrence": "FREQ=MONTHLY;INTERVAL=6"}
    ok = client.post(
        "/api/v1/compliance-items/", {**body, "rotation": [tenant_a.staff.pk]}, content_type="application/json"
    )
    assert ok.status_code == 201, ok.json()
    assert ok.json()["rag"] == "green"
    for bad in ({"recurrence": "FREQ=DAILY"}, {"rotation": [999999]}, {"owner_id": 999999}, {"category": "x"}):
        response = client.post("/api/v1/compliance-items/", {**body, **bad}, content_type="application/json")
        assert response.status_code == 400, bad
        assert list(response.json()["fields"]) == [next(iter(bad))]


def test_an_item_cannot_have_two_tasks_on_the_same_day(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        item = ComplianceItemFactory()
        ComplianceTaskFactory(item=item, due_date=datetime.date(2027, 4, 1))
    body = {"item": item.pk, "name": "Again", "due_date": "2027-04-01"}
    response = client_for(tenant_a, tenant_a.staff).post(API, body, content_type="application/json")
    assert response.status_code == 400
    assert "already has a task on that date" in str(response.json())
