"""CSV import templates to download, and human values ("Net 14", "On hold") accepted on import."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from apps.partners.models import Customer


def test_import_template_is_the_header_row_and_needs_edit_rights(tenant_a, tenant_b, client_for, outsider):
    response = client_for(tenant_a, tenant_a.staff).get("/customers/import/template.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    header = response.content.decode().strip()
    assert header.startswith("code,name,") and "payment_terms" in header and "credit_limit" in header
    assert 'filename="customers-import-template.csv"' in response["Content-Disposition"]
    assert client_for(tenant_a, tenant_a.viewer).get("/customers/import/template.csv").status_code == 403
    assert client_for(tenant_a, outsider).get("/customers/import/template.csv").status_code in (302, 403)
    page = client_for(tenant_a, tenant_a.staff).get("/customers/import/").content.decode()
    assert "/customers/import/template.csv" in page


def test_import_accepts_choices_as_the_pages_write_them(tenant_a, client_for):
    header = client_for(tenant_a, tenant_a.staff).get("/customers/import/template.csv").content.decode().strip()
    columns = header.split(",")
    values = {"code": "HUM1", "name": "Human Values Inc", "payment_terms": "Net 14", "status": "on hold",
              "credit_limit": "1000", "country": "US"}  # fmt: skip
    row = ",".join(values.get(column, "") for column in columns)
    upload = SimpleUploadedFile("c.csv", f"{header}\n{row}\n".encode(), content_type="text/csv")
    response = client_for(tenant_a, tenant_a.staff).post("/customers/import/", {"file": upload})
    assert response.status_code == 302, response.content.decode()[:2000]
    with tenant_context(tenant_a.tenant):
        customer = Customer.objects.get(code="HUM1")
        assert (customer.payment_terms, customer.status) == (14, "on_hold")
    bad = row.replace("Net 14", "Net 15")
    upload = SimpleUploadedFile("c.csv", f"{header}\n{bad}\n".encode(), content_type="text/csv")
    assert client_for(tenant_a, tenant_a.staff).post("/customers/import/", {"file": upload}).status_code == 400
