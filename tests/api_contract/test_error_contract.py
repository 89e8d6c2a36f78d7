"""The API's error contract, spelled out: one body for every error, the codes the schema documents, and
409 for a change the record's current status does not allow."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from apps.accounts.tokens import api_token_create
from apps.purchasing.models import PurchaseOrder
from apps.purchasing.tests.factories import order_with_lines
from apps.tenants.models import Client
from backend.api import flatten_field_errors

API = "/api/v1/"


def _is_error(body: dict) -> bool:
    return isinstance(body.get("detail"), str) and isinstance(body.get("code"), str)


def test_field_errors_come_with_detail_code_and_flat_field_names(tenant_a, client_for):
    client = client_for(tenant_a, tenant_a.staff)
    response = client.post(
        f"{API}purchase-orders/", {"supplier": "x", "lines": [{"product": "nope"}]}, content_type="application/json"
    )
    body = response.json()
    assert response.status_code == 400 and _is_error(body) and body["code"] == "invalid"
    assert {"supplier", "plant", "lines.0.product"} <= set(body["fields"])
    assert all(isinstance(m, str) for messages in body["fields"].values() for m in messages)


def test_malformed_json_is_a_400_with_the_same_body(tenant_a, client_for):
    response = client_for(tenant_a, tenant_a.staff).post(
        f"{API}suppliers/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {"detail": response.json()["detail"], "code": "parse_error", "fields": {}}


def test_flattening_keeps_nested_and_list_level_messages():
    detail = {"name": ["Required."], "lines": [{}, {"weight": ["Too small."]}], "non_field_errors": ["Pick one."]}
    assert flatten_field_errors(detail) == {
        "name": ["Required."],
        "lines.1.weight": ["Too small."],
        "non_field_errors": ["Pick one."],
    }
    assert flatten_field_errors(["Whole input is wrong."]) == {"non_field_errors": ["Whole input is wrong."]}


@pytest.mark.parametrize(
    ("who", "path", "status", "code"),
    [
        ("anonymous", "suppliers/", 401, "not_authenticated"),
        ("bad token", "suppliers/", 401, "authentication_failed"),
        ("viewer", "suppliers/", 403, "permission_denied"),
        ("owner", "suppliers/999999/", 404, "not_found"),
        ("owner", "reports/no-such-report/", 404, "not_found"),
    ],
)
def test_refusals_carry_detail_and_code(tenant_a, client_for, who, path, status, code):
    if who == "anonymous":
        client = client_for(tenant_a)
    elif who == "bad token":
        client = client_for(tenant_a, HTTP_AUTHORIZATION="Bearer not-a-token")
    else:
        client = client_for(tenant_a, getattr(tenant_a, who))
    if who == "viewer":  # reads, but may not create
        response = client.post(f"{API}{path}", {}, content_type="application/json")
    else:
        response = client.get(f"{API}{path}")
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert _is_error(response.json()) and set(response.json()) == {"detail", "code"}
    if status == 401:
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_rate_limited_calls_get_429_with_retry_after_and_the_error_body(tenant_a, client_for):
    Client.objects.filter(pk=tenant_a.tenant.pk).update(quota_overrides={"api_requests_per_minute": 1})
    with tenant_context(tenant_a.tenant):
        _token, raw = api_token_create(user=tenant_a.owner, tenant=tenant_a.tenant)
    client = client_for(tenant_a, HTTP_AUTHORIZATION=f"Bearer {raw}")
    client.get(f"{API}suppliers/")
    response = client.get(f"{API}suppliers/")
    assert response.status_code == 429 and response["Retry-After"]
    assert response.json()["code"] == "throttled" and _is_error(response.json())


def test_a_transition_the_status_does_not_allow_is_a_409_conflict(tenant_a, client_for):
    """Was 400, as if the input were wrong; the input is fine, the order's state is not."""
    with tenant_context(tenant_a.tenant):
        order = order_with_lines(1, status=PurchaseOrder.Status.CLOSED)
    response = client_for(tenant_a, tenant_a.manager).post(f"{API}purchase-orders/{order.pk}/confirm/")
    assert response.status_code == 409
    assert response.json() == {"detail": response.json()["detail"], "code": "invalid_transition"}


def test_schema_documents_every_error_code_with_the_error_body(tenant_a, client_for):
    schema = client_for(tenant_a, tenant_a.viewer).get(f"{API}schema/", {"format": "json"}).json()
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail", "code"]
    assert schema["components"]["schemas"]["ValidationError"]["required"] == ["detail", "code", "fields"]
    operations = {
        (method, path): operation
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "responses" in operation
    }
    for (method, path), operation in operations.items():
        codes = set(operation["responses"])
        assert {"403", "423", "429", "503"} <= codes, (method, path)
        if path != f"{API}auth/token/":
            assert "401" in codes, (method, path)
        for code in ("400", "401", "403", "404", "409", "423", "429", "503"):
            if code in codes:
                body = operation["responses"][code]["content"]["application/json"]["schema"]
                expected = "ValidationError" if code == "400" else "Error"
                assert body["$ref"].endswith(f"/{expected}"), (method, path, code)
    assert "409" in operations[("post", f"{API}purchase-orders/{{id}}/confirm/")]["responses"]
    assert "404" in operations[("get", f"{API}suppliers/{{id}}/")]["responses"]
    assert "401" not in operations[("post", f"{API}auth/token/")]["responses"]
