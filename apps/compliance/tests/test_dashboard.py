"""Compliance dashboard (RAG counts, overdue first, HTMX refresh), "assigned to me", month/week calendar."""

import datetime

from django_tenants.utils import tenant_context

from apps.compliance.selectors import countdowns
from apps.compliance.tests.factories import ComplianceItemFactory, ComplianceTaskFactory
from backend.clock import tenant_today

DASHBOARD = "/compliance/"


def _spread(tenant):
    today = tenant_today()
    with tenant_context(tenant):
        ComplianceTaskFactory(name="Late audit", due_date=today - datetime.timedelta(days=3))
        ComplianceTaskFactory(name="Later late", due_date=today - datetime.timedelta(days=1))
        ComplianceTaskFactory(name="Soon cert", due_date=today + datetime.timedelta(days=2))
        ComplianceTaskFactory(name="Far licence", due_date=today + datetime.timedelta(days=90))
        ComplianceTaskFactory(name="Done one", due_date=today, status="done")


def test_dashboard_counts_by_rag_and_lists_overdue_first(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        _spread(tenant_a.tenant)
    response = client_for(tenant_a, tenant_a.viewer).get(DASHBOARD)
    assert response.context["counts"] == {"red": 2, "amber": 1, "green": 1, "done": 1}
    assert [task.name for task in response.context["attention"]] == ["Late audit", "Later late", "Soon cert"]
    body = response.content.decode()
    assert 'hx-trigger="every 30s"' in body
    assert 'http-equiv="refresh" content="60"' in body


def test_htmx_refresh_gets_only_the_content_without_meta_refresh(tenant_a, client_for):
    response = client_for(tenant_a, tenant_a.viewer).get(DASHBOARD, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="compliance-content"')
    assert "http-equiv" not in body
    assert "<html" not in body


def test_dashboard_queries_do_not_grow_with_tasks(tenant_a, client_for, django_assert_max_num_queries):
    client = client_for(tenant_a, tenant_a.viewer)
    client.get(DASHBOARD)
    with django_assert_max_num_queries(16):
        client.get(DASHBOARD)
    with tenant_context(tenant_a.tenant):
        for _ in range(10):
            _spread(tenant_a.tenant)
    with django_assert_max_num_queries(16):
        client.get(DASHBOARD)


def test_countdowns_show_days_left_in_the_tenant_calendar(tenant_a):
    today = datetime.date(2027, 6, 1)
    with tenant_context(tenant_a.tenant):
        ComplianceTaskFactory(name="Insurance renewal", due_date=datetime.date(2027, 6, 11))
        ComplianceTaskFactory(name="Past", due_date=datetime.date(2027, 5, 1))
        (first,) = countdowns(today=today)
    assert (first.task.name, first.days_left, first.rag) == ("Insurance renewal", 10, "green")


def test_assigned_to_me_lists_my_tasks_and_items_only(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        ComplianceTaskFactory(name="My task", assignee_id=tenant_a.staff.pk)
        ComplianceTaskFactory(name="Someone else's", assignee_id=tenant_a.manager.pk)
        ComplianceItemFactory(name="My item", owner_id=tenant_a.staff.pk)
    body = client_for(tenant_a, tenant_a.staff).get("/compliance/mine/").content.decode()
    assert "My task" in body and "My item" in body and "Someone else" not in body


def test_month_calendar_places_tasks_on_their_days(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        ComplianceTaskFactory(name="Feb end audit", due_date=datetime.date(2028, 2, 29))
        ComplianceTaskFactory(name="March task", due_date=datetime.date(2028, 3, 15))
    response = client_for(tenant_a, tenant_a.viewer).get("/compliance/calendar/", {"month": "2028-02"})
    cells = {day: [t.name for t in tasks] for week in response.context["weeks"] for day, tasks in week}
    assert cells[datetime.date(2028, 2, 29)] == ["Feb end audit"]
    assert "March task" not in response.content.decode()  # 2028-03-05 is the last day shown
    assert response.context["previous"] == "2028-01" and response.context["next"] == "2028-03"


def test_week_calendar_starts_on_monday(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        ComplianceTaskFactory(name="Sunday task", due_date=datetime.date(2027, 3, 14))
    response = client_for(tenant_a, tenant_a.viewer).get("/compliance/calendar/week/", {"week": "2027-03-11"})
    assert response.context["monday"] == datetime.date(2027, 3, 8)
    assert "Sunday task" in response.content.decode()


def test_calendar_ignores_malformed_dates(tenant_a, client_for):
    client = client_for(tenant_a, tenant_a.viewer)
    assert client.get("/compliance/calendar/", {"month": "2027-13"}).status_code == 200
    assert client.get("/compliance/calendar/week/", {"week": "nope"}).status_code == 200


def test_calendar_at_the_ends_of_the_calendar_falls_back_to_today(tenant_a, client_for):
    # 9999-12's grid runs into year 10000 and 0001-01's "previous" before year 1: both were 500s.
    client = client_for(tenant_a, tenant_a.viewer)
    for month in ("9999-12", "0001-01", "9999-11"):
        response = client.get("/compliance/calendar/", {"month": month})
        assert response.status_code == 200, month
        assert response.context["first"] == tenant_today().replace(day=1)
    for week in ("9999-12-31", "0001-01-01", "0001-01-07"):
        response = client.get("/compliance/calendar/week/", {"week": week})
        assert response.status_code == 200, week


def test_pages_refuse_anonymous_and_outsiders_and_show_nothing_of_other_tenants(
    tenant_a, tenant_b, outsider, client_for
):
    with tenant_context(tenant_b.tenant):
        ComplianceTaskFactory(name="Beta secret", assignee_id=tenant_b.staff.pk)
    for url in ("/compliance/", "/compliance/mine/", "/compliance/calendar/", "/compliance/calendar/week/"):
        assert client_for(tenant_a).get(url).status_code == 302
        assert client_for(tenant_a, outsider).get(url).status_code == 403
        assert "Beta secret" not in client_for(tenant_a, tenant_a.owner).get(url).content.decode()


def test_mine_and_calendar_queries_do_not_grow_with_tasks(tenant_a, client_for):
    from apps.records.testing import assert_list_queries_flat

    def rows(n):
        today = tenant_today()
        item = ComplianceItemFactory(owner_id=tenant_a.staff.pk)
        for offset in range(n):
            ComplianceTaskFactory(
                item=item if offset % 2 else None,
                assignee_id=tenant_a.staff.pk,
                due_date=today.replace(day=1 + offset % 27),
            )

    client = client_for(tenant_a, tenant_a.staff)
    for url in ("/compliance/mine/", "/compliance/calendar/", "/compliance/calendar/week/"):
        assert_list_queries_flat(client=client, url=url, tenant=tenant_a.tenant, create_rows=rows)
