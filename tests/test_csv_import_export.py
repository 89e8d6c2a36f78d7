"""CSV export (the filtered list) and import (row by row, all or nothing) for suppliers, customers and
products, through the API and the pages."""

import csv
import io
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from apps.audit.models import AuditEvent
from apps.partners.models import Customer, Supplier
from apps.partners.tests.factories import CustomerFactory, SupplierFactory
from apps.products.models import Product
from apps.products.tests.factories import ProductFactory
from apps.records import csv_io


@dataclass(frozen=True)
class CsvResource:
    path: str
    model: type
    factory: type
    header: list[str]
    good: dict  # a valid row (missing columns are blank)
    bad: dict  # an invalid row
    bad_field: str

    def __str__(self) -> str:
        return self.path

    def csv(self, *rows: dict, header: list[str] | None = None) -> bytes:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=header or self.header, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({name: row.get(name, "") for name in (header or self.header)})
        return out.getvalue().encode()


RESOURCES = [
    CsvResource(
        "suppliers",
        Supplier,
        SupplierFactory,
        [
            "code",
            "name",
            "email",
            "phone",
            "payment_terms",
            "street",
            "city",
            "state",
            "postal_code",
            "country",
            "notes",
        ],
        {"code": "csv-1", "name": "Csv Packers", "payment_terms": "30", "country": "US"},
        {"code": "csv-2", "name": "Bad Terms", "payment_terms": "10", "country": "US"},
        "payment_terms",
    ),
    CsvResource(
        "customers",
        Customer,
        CustomerFactory,
        [
            "code",
            "name",
            "email",
            "phone",
            "payment_terms",
            "credit_limit",
            "status",
            "street",
            "city",
            "state",
            "postal_code",
            "country",
            "notes",
        ],
        {
            "code": "csv-1",
            "name": "Csv Foods",
            "payment_terms": "45",
            "credit_limit": "2500.00",
            "status": "active",
            "country": "US",
        },
        {
            "code": "csv-2",
            "name": "Negative",
            "payment_terms": "30",
            "credit_limit": "-1",
            "status": "active",
            "country": "US",
        },
        "credit_limit",
    ),
    CsvResource(
        "products",
        Product,
        ProductFactory,
        [
            "code",
            "description",
            "namp_code",
            "usda_item_code",
            "protein",
            "storage",
            "weight_type",
            "unit",
            "package_type",
            "case_weight",
            "is_edible",
        ],
        {
            "code": "csv-1",
            "description": "Pork butt",
            "namp_code": "406",
            "protein": "pork",
            "storage": "frozen",
            "weight_type": "catch",
            "unit": "lb",
            "package_type": "combo",
            "case_weight": "2000",
            "is_edible": "true",
        },
        {
            "code": "csv-2",
            "description": "Weightless",
            "protein": "pork",
            "storage": "fresh",
            "weight_type": "net",
            "unit": "lb",
            "package_type": "box",
            "case_weight": "0",
            "is_edible": "false",
        },
        "case_weight",
    ),
]
resources = pytest.mark.parametrize("resource", RESOURCES, ids=str)


def _upload(content: bytes, name: str = "import.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def _api_import(client, resource, content: bytes):
    return client.post(f"/api/v1/{resource.path}/import/", {"file": _upload(content)})


def _count(world, model) -> int:
    with tenant_context(world.tenant):
        return model.objects.count()


@resources
def test_api_export_streams_the_filtered_list(tenant_a, client_for, resource):
    with tenant_context(tenant_a.tenant):
        resource.factory(code="KEEP1")
        resource.factory(code="OTHER")
        resource.factory(code="KEEP2", is_archived=True)
    response = client_for(tenant_a, tenant_a.viewer).get(f"/api/v1/{resource.path}/export/", {"q": "keep"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == resource.header
    assert [row[0] for row in rows[1:]] == ["KEEP1"]


@resources
def test_page_export_streams_the_filtered_list(tenant_a, client_for, resource):
    with tenant_context(tenant_a.tenant):
        resource.factory(code="ZED")
        resource.factory(code="ABE")
    response = client_for(tenant_a, tenant_a.viewer).get(f"/{resource.path}/export.csv", {"ordering": "-code"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row[0] for row in rows[1:]] == ["ZED", "ABE"]


@resources
def test_import_creates_and_updates_by_code_and_audits_each_row(tenant_a, client_for, resource):
    with tenant_context(tenant_a.tenant):
        existing = resource.factory(code="CSV-0")
    second = {**resource.good, "code": "csv-0"}
    response = _api_import(client_for(tenant_a, tenant_a.staff), resource, resource.csv(resource.good, second))
    assert response.status_code == 200, response.json()
    assert response.json() == {"created": 1, "updated": 1, "rejected": []}
    with tenant_context(tenant_a.tenant):
        assert resource.model.objects.filter(code="CSV-1").exists()
        label = resource.model._meta.model_name
        assert AuditEvent.objects.filter(action=f"{label}.update", object_id=str(existing.pk)).exists()
        assert AuditEvent.objects.filter(action=f"{label}.create").count() == 1


@resources
def test_export_then_import_round_trips_without_changes(tenant_a, client_for, resource):
    with tenant_context(tenant_a.tenant):
        resource.factory.create_batch(3)
    client = client_for(tenant_a, tenant_a.staff)
    exported = b"".join(client.get(f"/api/v1/{resource.path}/export/").streaming_content)
    response = _api_import(client, resource, exported)
    assert response.json() == {"created": 0, "updated": 3, "rejected": []}
    with tenant_context(tenant_a.tenant):
        assert not AuditEvent.objects.filter(action__endswith=".update").exists()


@resources
def test_a_rejected_row_is_reported_and_nothing_is_written(tenant_a, client_for, resource):
    before = _count(tenant_a, resource.model)
    duplicate = {**resource.good}  # the same code twice in one file
    content = resource.csv(resource.good, resource.bad, duplicate)
    response = _api_import(client_for(tenant_a, tenant_a.staff), resource, content)
    assert response.status_code == 400
    rejected = response.json()["rejected"]
    assert [row["row"] for row in rejected] == [3, 4]
    assert resource.bad_field in rejected[0]["errors"]
    assert "code" in rejected[1]["errors"]
    assert response.json()["created"] == 0
    assert _count(tenant_a, resource.model) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"name,code\nx,y\n", "header"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "not"),
        (b"", "empty"),
    ],
    ids=["wrong-header", "not-csv", "empty"],
)
@resources
def test_malformed_file_is_refused_before_any_row(tenant_a, client_for, resource, content, message):
    before = _count(tenant_a, resource.model)
    response = _api_import(client_for(tenant_a, tenant_a.staff), resource, content)
    assert response.status_code == 400
    assert message in response.json()["fields"]["file"][0].lower()
    assert _count(tenant_a, resource.model) == before


@resources
def test_ragged_row_refuses_the_whole_file(tenant_a, client_for, resource):
    content = resource.csv(resource.good) + b"only,two\n"
    response = _api_import(client_for(tenant_a, tenant_a.staff), resource, content)
    assert response.status_code == 400
    assert "Row 3" in response.json()["fields"]["file"][0]
    assert _count(tenant_a, resource.model) == 0


def test_too_large_file_is_refused(tenant_a, client_for, monkeypatch):
    monkeypatch.setattr(csv_io, "MAX_IMPORT_BYTES", 100)
    resource = RESOURCES[0]
    content = resource.csv(*[{**resource.good, "code": f"c{i}"} for i in range(10)])
    response = _api_import(client_for(tenant_a, tenant_a.staff), resource, content)
    assert response.status_code == 400
    assert "larger" in response.json()["fields"]["file"][0]
    assert _count(tenant_a, Supplier) == 0


def test_missing_file_is_a_field_error(tenant_a, client_for):
    response = client_for(tenant_a, tenant_a.staff).post("/api/v1/suppliers/import/", {})
    assert response.status_code == 400
    assert "file" in response.json()["fields"]


def test_export_neutralises_spreadsheet_formulas(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        SupplierFactory(code="F1", name='=HYPERLINK("http://evil")')
    body = b"".join(client_for(tenant_a, tenant_a.viewer).get("/api/v1/suppliers/export/").streaming_content)
    assert "'=HYPERLINK" in body.decode()


@pytest.mark.parametrize(("name", "expected"), [("\t=1+2", "'\t=1+2"), ("\r=1+2", "'\r=1+2"), ("%0A", "'%0A")])
def test_export_neutralises_tab_and_carriage_return_formulas(tenant_a, client_for, name, expected):
    with tenant_context(tenant_a.tenant):
        SupplierFactory(code="F2", name=name)
    body = b"".join(client_for(tenant_a, tenant_a.viewer).get("/api/v1/suppliers/export/").streaming_content)
    assert expected in body.decode()


@resources
def test_viewer_may_export_but_not_import(tenant_a, client_for, resource):
    client = client_for(tenant_a, tenant_a.viewer)
    assert client.get(f"/api/v1/{resource.path}/export/").status_code == 200
    assert _api_import(client, resource, resource.csv(resource.good)).status_code == 403
    assert client.post(f"/{resource.path}/import/", {"file": _upload(resource.csv(resource.good))}).status_code == 403
    assert _count(tenant_a, resource.model) == 0


@resources
def test_outsider_may_neither_export_nor_import(tenant_a, outsider, client_for, resource):
    client = client_for(tenant_a, outsider)
    assert client.get(f"/api/v1/{resource.path}/export/").status_code == 403
    assert client.get(f"/{resource.path}/export.csv").status_code == 403
    assert _api_import(client, resource, resource.csv(resource.good)).status_code == 403


@resources
def test_import_page_creates_rows_and_reports_rejections(tenant_a, client_for, resource):
    client = client_for(tenant_a, tenant_a.staff)
    bad = client.post(f"/{resource.path}/import/", {"file": _upload(resource.csv(resource.good, resource.bad))})
    assert bad.status_code == 400
    assert "Nothing was imported" in bad.content.decode()
    assert _count(tenant_a, resource.model) == 0
    good = client.post(f"/{resource.path}/import/", {"file": _upload(resource.csv(resource.good))})
    assert good.status_code == 302
    assert _count(tenant_a, resource.model) == 1


def test_import_page_reports_a_malformed_file(tenant_a, client_for):
    response = client_for(tenant_a, tenant_a.staff).post("/suppliers/import/", {"file": _upload(b"a,b\n1,2\n")})
    assert response.status_code == 400
    assert "header must be exactly" in response.content.decode()


def test_import_only_touches_the_requesting_tenant(tenant_a, tenant_b, client_for):
    resource = RESOURCES[0]
    with tenant_context(tenant_b.tenant):
        SupplierFactory(code="CSV-1", name="Beta's own")
    response = _api_import(client_for(tenant_a, tenant_a.staff), resource, resource.csv(resource.good))
    assert response.json()["created"] == 1
    with tenant_context(tenant_b.tenant):
        assert Supplier.objects.get(code="CSV-1").name == "Beta's own"
