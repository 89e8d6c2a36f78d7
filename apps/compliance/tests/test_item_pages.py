"""Compliance item pages: create with the recurrence builder, edit, archive, list, refusals, isolation."""

import datetime

import pytest
from django_tenants.utils import tenant_context

from apps.compliance.models import ComplianceItem
from apps.compliance.tests.factories import ComplianceItemFactory, ComplianceTaskFactory
from apps.partners.tests.factories import CarrierFactory, PlantFactory
from apps.records.testing import assert_list_queries_flat
from backend.clock import tenant_today

LIST = "/compliance-items/"


def _form(world, **extra):
    return {
        "name": "Annual SQF audit",
        "category": "plant_audit",
        "owner": str(world.staff.pk),
        "starts_on": "2027-01-31",
        "frequency": "monthly",
        "interval": "1",
        "lead_time_days": "10",
        "rotation": f"{world.staff.email}, {world.manager.email}",
        **extra,
    }


def test_staff_creates_an_item_with_a_month_end_rule_and_rotation(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        plant = PlantFactory()
    response = client_for(tenant_a, tenant_a.staff).post(LIST + "new/", _form(tenant_a, plant=str(plant.pk)))
    assert response.status_code == 302, response.content.decode()[:2000]
    with tenant_context(tenant_a.tenant):
        item = ComplianceItem.objects.get()
        assert item.recurrence == "FREQ=MONTHLY;BYMONTHDAY=28,29,30,31;BYSETPOS=-1"
        assert item.rotation == [tenant_a.staff.pk, tenant_a.manager.pk]
        assert (item.owner_id, item.plant, item.created_by_id) == (tenant_a.staff.pk, plant, tenant_a.staff.pk)


def test_edit_form_shows_the_builder_choices_and_saves_changes(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        item = ComplianceItemFactory(recurrence="FREQ=MONTHLY;INTERVAL=6", owner_id=tenant_a.staff.pk)
    client = client_for(tenant_a, tenant_a.staff)
    form = client.get(f"{LIST}{item.pk}/edit/").context["form"]
    assert (form.initial["frequency"], form.initial["interval"], form.initial["owner"]) == (
        "monthly",
        6,
        tenant_a.staff.pk,
    )
    response = client.post(f"{LIST}{item.pk}/edit/", _form(tenant_a, frequency="yearly", starts_on="2027-03-01"))
    assert response.status_code == 302
    with tenant_context(tenant_a.tenant):
        item.refresh_from_db()
        assert item.recurrence == "FREQ=YEARLY"


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"name": ""}, "name"),
        ({"frequency": "yearly", "month_day": "3"}, "month_day"),
        ({"interval": "0"}, "interval"),
        ({"rotation": "nobody@example.com"}, "rotation"),
        ({"owner": "999999"}, "owner"),
        ({"lead_time_days": "999"}, "lead_time_days"),
    ],
)
def test_invalid_item_forms_show_field_errors(tenant_a, client_for, extra, field):
    response = client_for(tenant_a, tenant_a.staff).post(LIST + "new/", _form(tenant_a, **extra))
    assert response.status_code == 400
    assert field in response.context["form"].errors


def test_an_item_cannot_belong_to_two_partners(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        plant, carrier = PlantFactory(), CarrierFactory()
    form = _form(tenant_a, plant=str(plant.pk), carrier=str(carrier.pk))
    response = client_for(tenant_a, tenant_a.staff).post(LIST + "new/", form)
    assert response.status_code == 400
    assert "at most one" in response.content.decode()


def test_another_tenants_member_cannot_be_owner(tenant_a, tenant_b, client_for):
    response = client_for(tenant_a, tenant_a.staff).post(LIST + "new/", _form(tenant_a, rotation=tenant_b.staff.email))
    assert response.status_code == 400


def test_item_list_and_detail_show_rag(tenant_a, client_for):
    today = tenant_today(tenant_a.tenant)
    with tenant_context(tenant_a.tenant):
        item = ComplianceItemFactory(name="Carrier cargo insurance")
        ComplianceTaskFactory(item=item, due_date=today - datetime.timedelta(days=2))
    client = client_for(tenant_a, tenant_a.viewer)
    assert "Carrier cargo insurance" in client.get(LIST).content.decode()
    detail = client.get(f"{LIST}{item.pk}/").content.decode()
    assert "Red" in detail


def test_item_list_queries_do_not_grow_with_rows(tenant_a, client_for):
    def rows(n):
        for item in ComplianceItemFactory.create_batch(n):
            ComplianceTaskFactory(item=item)

    assert_list_queries_flat(
        client=client_for(tenant_a, tenant_a.viewer), url=LIST, tenant=tenant_a.tenant, create_rows=rows
    )


def test_viewer_cannot_create_edit_or_archive(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        item = ComplianceItemFactory()
    client = client_for(tenant_a, tenant_a.viewer)
    assert client.get(LIST + "new/").status_code == 403
    assert client.post(LIST + "new/", _form(tenant_a)).status_code == 403
    assert client.post(f"{LIST}{item.pk}/edit/", _form(tenant_a)).status_code == 403
    assert client.post(f"{LIST}{item.pk}/archive/").status_code == 403


def test_staff_archives_an_item(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        item = ComplianceItemFactory()
    assert client_for(tenant_a, tenant_a.staff).post(f"{LIST}{item.pk}/archive/").status_code == 302
    with tenant_context(tenant_a.tenant):
        item.refresh_from_db()
        assert item.is_archived


def test_other_tenants_item_is_not_found(tenant_a, tenant_b, client_for):
    with tenant_context(tenant_b.tenant):
        theirs = ComplianceItemFactory()
    client = client_for(tenant_a, tenant_a.owner)
    for url in (f"{LIST}{theirs.pk}/", f"{LIST}{theirs.pk}/edit/", f"{LIST}{theirs.pk}/archive/"):
        assert client.get(url).status_code == 404


def test_outsider_and_anonymous_are_refused(tenant_a, outsider, client_for):
    assert client_for(tenant_a).get(LIST).status_code == 302
    assert client_for(tenant_a).get(LIST)["Location"].startswith("/login/")
    assert client_for(tenant_a, outsider).get(LIST).status_code == 403


def test_plant_and_carrier_pages_show_their_compliance_items(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        plant, carrier = PlantFactory(), CarrierFactory()
        ComplianceItemFactory(name="BRC plant audit", plant=plant)
        ComplianceItemFactory(name="Cargo insurance", carrier=carrier)
    client = client_for(tenant_a, tenant_a.viewer)
    plant_page = client.get(f"/plants/{plant.pk}/").content.decode()
    assert "BRC plant audit" in plant_page and "Cargo insurance" not in plant_page
    assert "Cargo insurance" in client.get(f"/carriers/{carrier.pk}/").content.decode()
    supplier_page = client.get(f"/suppliers/{plant.supplier_id}/").content.decode()
    assert "Compliance" in supplier_page


def test_item_detail_links_a_prefilled_new_task(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        item = ComplianceItemFactory(name="Audit & review #1")
    client = client_for(tenant_a, tenant_a.staff)
    body = client.get(f"{LIST}{item.pk}/").content.decode()
    assert f"/compliance-tasks/new/?item={item.pk}&amp;name=Audit+%26+review+%231" in body
    form = client.get(f"/compliance-tasks/new/?item={item.pk}&name=Audit+%26+review+%231").context["form"]
    assert form.initial["name"] == "Audit & review #1"
