"""CSV import of compliance items: a per-row report, and nothing written from a bad or malformed file."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from apps.audit.models import AuditEvent
from apps.compliance.forms import IMPORT_COLUMNS
from apps.compliance.models import ComplianceItem
from apps.partners.tests.factories import CarrierFactory, PlantFactory

HEADER = ",".join(IMPORT_COLUMNS)
PAGE = "/compliance-items/import/"
API = "/api/v1/compliance-items/import/"


def _csv(*rows: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("items.csv", ("\n".join([HEADER, *rows]) + "\n").encode(), content_type="text/csv")


def _setup(world):
    with tenant_context(world.tenant):
        PlantFactory(code="PL-DC")
        CarrierFactory(code="REEF")


def test_import_creates_every_row_through_the_service(tenant_a, client_for):
    _setup(tenant_a)
    staff = tenant_a.staff.email
    upload = _csv(
        f"BRC audit,plant_audit,,PL-DC,,{staff},2027-01-31,monthly,6,,30,{staff} {tenant_a.manager.email},",
        f"Cargo insurance,insurance,,,REEF,{staff},2027-03-01,yearly,1,,14,,annual renewal",
        "Business licence,licence,,,,,2027-07-01,,,,7,,",
    )
    response = client_for(tenant_a, tenant_a.staff).post(PAGE, {"file": upload})
    assert response.status_code == 302
    with tenant_context(tenant_a.tenant):
        items = {item.name: item for item in ComplianceItem.objects.select_related("plant", "carrier")}
        assert items["BRC audit"].plant.code == "PL-DC"
        assert items["BRC audit"].recurrence == "FREQ=MONTHLY;INTERVAL=6;BYMONTHDAY=28,29,30,31;BYSETPOS=-1"
        assert items["BRC audit"].rotation == [tenant_a.staff.pk, tenant_a.manager.pk]
        assert items["Cargo insurance"].carrier.code == "REEF"
        assert items["Business licence"].recurrence == ""
        assert AuditEvent.objects.filter(action="complianceitem.create").count() == 3


def test_a_rejected_row_writes_nothing_and_the_report_names_rows_and_reasons(tenant_a, client_for):
    _setup(tenant_a)
    upload = _csv(
        "Good one,certificate,,,,,2027-01-01,yearly,1,,14,,",
        "Bad plant,plant_audit,,NOPE,,,2027-01-01,yearly,1,,14,,",
        "Bad owner,other,,,,someone@else.test,2027-01-01,,,,14,,",
        "Bad rule,other,,,,,2027-01-01,yearly,1,5,14,,",
        ",other,,,,,not-a-date,,,,14,,",
    )
    response = client_for(tenant_a, tenant_a.staff).post(API, {"file": upload})
    assert response.status_code == 400
    report = {row["row"]: row["errors"] for row in response.json()["rejected"]}
    assert set(report) == {3, 4, 5, 6}
    assert "plant" in report[3] and "owner" in report[4] and "month_day" in report[5]
    assert {"name", "starts_on"} <= set(report[6])
    assert response.json()["created"] == 0
    with tenant_context(tenant_a.tenant):
        assert not ComplianceItem.objects.exists()


def test_malformed_files_are_refused_before_any_row(tenant_a, client_for):
    client = client_for(tenant_a, tenant_a.staff)
    wrong_header = SimpleUploadedFile("x.csv", b"name,category\nA,other\n", content_type="text/csv")
    refused = client.post(API, {"file": wrong_header}).json()
    assert refused["fields"] == {"file": [f"The header must be exactly: {HEADER}."]}
    binary = SimpleUploadedFile("x.csv", b"\xff\xfe\x00\x01", content_type="text/csv")
    assert client.post(API, {"file": binary}).status_code == 400
    short_row = _csv("Only,two")
    response = client.post(PAGE, {"file": short_row})
    assert response.status_code == 400 and "Row 2 has 2 values" in response.content.decode()
    with tenant_context(tenant_a.tenant):
        assert not ComplianceItem.objects.exists()


def test_viewer_cannot_import_and_anonymous_is_refused(tenant_a, client_for):
    assert client_for(tenant_a, tenant_a.viewer).post(API, {"file": _csv()}).status_code == 403
    assert client_for(tenant_a, tenant_a.viewer).post(PAGE, {"file": _csv()}).status_code == 403
    assert client_for(tenant_a).post(PAGE, {"file": _csv()}).status_code == 302


def test_import_page_explains_the_columns(tenant_a, client_for):
    body = client_for(tenant_a, tenant_a.staff).get(PAGE).content.decode()
    assert HEADER in body and "Each row creates one item" in body and "Rows whose code" not in body
