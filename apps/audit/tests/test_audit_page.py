"""The tenant audit log page (/audit/): admins and owners only, this tenant's events only, filterable."""

import datetime

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from apps.audit.services import audit_record
from apps.audit.views import PAGE_SIZE
from backend.clock import tenant_now

ALLOWED = ["admin", "owner"]
REFUSED = ["viewer", "staff", "manager"]


def _record(schema: str, n: int = 1, **kwargs) -> None:
    with schema_context(schema):
        for i in range(n):
            audit_record(**{"action": "order.create", "object_type": "orders.order", "object_id": i, **kwargs})


@pytest.mark.parametrize("role", ALLOWED)
def test_admin_and_owner_see_the_audit_log(client_for, tenant_a, role):
    _record("alpha", actor=tenant_a.manager, changes={"status": ["draft", "confirmed"]})
    response = client_for(tenant_a, tenant_a.user(role)).get("/audit/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "order.create" in body
    assert "manager@alpha.test" in body
    assert "status: draft → confirmed" in body


@pytest.mark.parametrize("role", REFUSED)
def test_roles_without_administer_are_refused(client_for, tenant_a, role):
    _record("alpha")
    client = client_for(tenant_a, tenant_a.user(role))
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403


def test_outsider_and_anonymous_are_refused(client_for, tenant_a, outsider):
    assert client_for(tenant_a, outsider).get("/audit/").status_code == 403
    assert client_for(tenant_a, outsider).get("/audit/export.csv").status_code == 403
    assert client_for(tenant_a).get("/audit/").status_code in (302, 403)


def test_admin_of_other_tenant_is_refused(client_for, tenant_a, tenant_b):
    assert client_for(tenant_a, tenant_b.admin).get("/audit/").status_code == 403
    assert client_for(tenant_a, tenant_b.owner).get("/audit/export.csv").status_code == 403


def test_other_tenants_events_are_never_shown(client_for, tenant_a, tenant_b):
    _record("beta", action="beta.secret", object_id="b-1")
    _record("alpha", action="alpha.visible")
    client = client_for(tenant_a, tenant_a.admin)
    body = client.get("/audit/").content.decode()
    assert "alpha.visible" in body
    assert "beta.secret" not in body
    assert "beta.secret" not in b"".join(client.get("/audit/export.csv").streaming_content).decode()


def test_audit_page_is_not_served_on_the_public_host(client_for, world, db):
    assert client_for("localhost").get("/audit/").status_code == 404


def test_list_is_newest_first_and_paginated(client_for, tenant_a):
    _record("alpha", n=PAGE_SIZE + 3)
    client = client_for(tenant_a, tenant_a.admin)
    first = client.get("/audit/")
    assert f"{PAGE_SIZE + 3} events" in first.content.decode()
    ids = [event.object_id for event in first.context["page_obj"]]
    assert ids[0] == str(PAGE_SIZE + 2) and len(ids) == PAGE_SIZE
    second = client.get("/audit/", {"page": 2})
    assert [event.object_id for event in second.context["page_obj"]] == ["2", "1", "0"]
    assert client.get("/audit/", {"page": "zzz"}).status_code == 200


def test_list_query_count_does_not_grow_with_rows(client_for, tenant_a, django_assert_max_num_queries):
    client = client_for(tenant_a, tenant_a.admin)
    _record("alpha", n=3)
    # domain, session, user, OTP device, membership, count, page, session touch: each preceded by SET search_path.
    with django_assert_max_num_queries(20) as few:
        client.get("/audit/")
    _record("alpha", n=40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/audit/")


def test_filters_narrow_the_list(client_for, tenant_a):
    _record("alpha", action="order.create", actor=tenant_a.staff, object_type="orders.order")
    _record("alpha", action="order.confirm", actor=tenant_a.manager, object_type="orders.order")
    _record("alpha", action="invoice.issue", actor=tenant_a.manager, object_type="invoices.invoice")
    client = client_for(tenant_a, tenant_a.admin)

    def actions(**params):
        response = client.get("/audit/", params)
        assert response.status_code == 200
        return sorted(event.action for event in response.context["page_obj"])

    assert actions(action="order") == ["order.confirm", "order.create"]
    assert actions(action="order.confirm") == ["order.confirm"]
    assert actions(actor_email="MANAGER@alpha") == ["invoice.issue", "order.confirm"]
    assert actions(object_type="invoices.invoice") == ["invoice.issue"]
    assert actions(action="order", actor_email="staff@alpha.test") == ["order.create"]


def test_date_filters_are_whole_days_in_the_tenant_time_zone(client_for, tenant_a):
    _record("alpha", action="today.event")
    # Chicago's "today" for the event recorded just now.
    today = tenant_now(tenant_a.tenant)
    client = client_for(tenant_a, tenant_a.admin)

    def count(**params):
        return client.get("/audit/", params).context["page_obj"].paginator.count

    day = today.date()
    assert count(date_from=day.isoformat(), date_to=day.isoformat()) == 1
    assert count(date_from=(day + datetime.timedelta(days=1)).isoformat()) == 0
    assert count(date_to=(day - datetime.timedelta(days=1)).isoformat()) == 0


def test_extreme_dates_are_accepted(client_for, tenant_a):
    _record("alpha")
    response = client_for(tenant_a, tenant_a.admin).get("/audit/", {"date_from": "0001-01-01", "date_to": "9999-12-31"})
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == 1


def test_bad_filters_are_form_errors_not_server_errors(client_for, tenant_a):
    client = client_for(tenant_a, tenant_a.admin)
    response = client.get("/audit/", {"date_from": "yesterday", "action": "x" * 101})
    assert response.status_code == 400
    assert "Enter a valid date." in response.content.decode()
    assert "at most 100 characters" in response.content.decode()
    reversed_range = client.get("/audit/export.csv", {"date_from": "2026-02-02", "date_to": "2026-01-01"})
    assert reversed_range.status_code == 400
    assert "The end date is before the start date." in reversed_range.content.decode()


def test_csv_export_streams_the_filtered_events(client_for, tenant_a):
    _record("alpha", action="order.create", actor=tenant_a.staff, changes={"qty": [1, 2]})
    _record("alpha", action="invoice.issue", object_type="invoices.invoice", object_id="=HYPERLINK(1)")
    response = client_for(tenant_a, tenant_a.owner).get("/audit/export.csv", {"action": "order"})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="audit-alpha-' in response["Content-Disposition"]
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("id,created_at,actor_id,actor_email,action,object_type,object_id,changes")
    assert len(lines) == 2
    assert "staff@alpha.test,order.create,orders.order,0" in lines[1]
    assert '"{""qty"": [1, 2]}"' in lines[1]


def test_csv_cells_that_look_like_formulas_are_defused(client_for, tenant_a):
    _record("alpha", action="invoice.issue", object_type="invoices.invoice", object_id="=HYPERLINK(1)")
    lines = b"".join(client_for(tenant_a, tenant_a.admin).get("/audit/export.csv").streaming_content).decode()
    assert ",'=HYPERLINK(1)," in lines


def test_connection_stays_on_the_tenant_after_streaming(client_for, tenant_a):
    _record("alpha")
    b"".join(client_for(tenant_a, tenant_a.admin).get("/audit/export.csv").streaming_content)
    assert connection.schema_name == "alpha"
