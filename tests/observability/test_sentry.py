"""Error reports (Sentry): tagged with tenant and request id; no password, cookie, token, body or e-mail."""

from __future__ import annotations

import json

import pytest
import sentry_sdk
from sentry_sdk.transport import Transport

from backend.sentry import init_sentry


class Captured(Transport):
    """sentry-sdk's transport interface, keeping envelopes here instead of sending them."""

    envelopes: list = []

    def capture_envelope(self, envelope) -> None:
        Captured.envelopes.append(envelope)


@pytest.fixture
def reported():
    Captured.envelopes = []
    init_sentry(dsn="http://public@127.0.0.1:9/1", transport=Captured)
    try:
        yield Captured.envelopes
    finally:
        sentry_sdk.flush()
        sentry_sdk.get_client().close()
        sentry_sdk.init()  # no DSN: reporting off again for the rest of the session


def _events(envelopes) -> list[dict]:
    return [item.payload.json for envelope in envelopes for item in envelope.items if item.type == "event"]


def test_error_report_is_tagged_and_scrubbed(tenant_a, client_for, reported, settings):
    settings.ROOT_URLCONF = "tests.observability.urls_boom"
    client = client_for(tenant_a, tenant_a.staff, raise_request_exception=False)
    client.cookies["tracking"] = "cookie-secret-value"
    response = client.post(
        "/boom/?token=query-secret-token",
        {"password": "Body-Secret-Pass-1", "note": "body text"},
        HTTP_X_REQUEST_ID="req-err-42",
        HTTP_AUTHORIZATION="Bearer header-secret-token",
    )
    assert response.status_code == 500
    sentry_sdk.flush()
    (event,) = _events(reported)
    assert event["tags"]["tenant"] == "alpha" and event["tags"]["request_id"] == "req-err-42"
    assert event["user"] == {"id": str(tenant_a.staff.pk)}
    assert event["request"]["url"].endswith("/boom/")
    text = json.dumps(event)
    for secret in (
        "Body-Secret-Pass-1",
        "body text",
        "cookie-secret-value",
        "query-secret-token",
        "header-secret-token",
        tenant_a.staff.email,
        "sessionid",
        "csrftoken",
    ):
        assert secret not in text, secret
    assert "RuntimeError" in text and "[email]" in text  # the error itself is reported, address masked
