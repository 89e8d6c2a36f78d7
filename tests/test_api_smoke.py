"""The API smoke (tests/api_smoke.py) passes on the current code: every business resource read and written."""

from django.test import Client

from conftest import TEST_PASSWORD
from tests.api_smoke import smoke


def test_a_manager_reads_and_writes_every_business_resource_over_the_api(tenant_a):
    client = Client(HTTP_HOST=tenant_a.domain)
    answer = client.post(
        "/api/v1/auth/token/",
        {"email": tenant_a.manager.email, "password": TEST_PASSWORD},
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content
    lines: list[str] = []
    smoke(client, token=answer.json()["token"], out=lines.append)
    assert lines[-1] == "api smoke: reports OK"
    assert len(lines) == 16
