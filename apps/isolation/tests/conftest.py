"""The isolation prober in process: Django's test client as its transport, and the line CI prints."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client

from apps.isolation.live import LiveCredentials
from apps.isolation.probes import Reply
from conftest import summary_writer


class ClientTransport:
    """`probes.Transport` over Django's test client: the whole stack in process, no socket."""

    def __init__(self) -> None:
        self.client = Client()

    def send(
        self, method: str, path: str, *, host: str, headers: Mapping[str, str], body: bytes | None = None
    ) -> Reply:
        self.client.cookies.clear()  # only the cookies the probe sends
        headers = dict(headers)
        content_type = headers.pop("Content-Type", "application/octet-stream")
        response = self.client.generic(
            method, path, data=body or b"", content_type=content_type, headers={**headers, "Host": host}
        )
        content = b"".join(response.streaming_content) if response.streaming else response.content
        return Reply(status=response.status_code, headers={k.lower(): v for k, v in response.items()}, body=content)


class ClientCredentials(LiveCredentials):
    """Each canary owner's signed-in session, renewed whenever a probe got it destroyed (a session replayed
    on another tenant's host is, by design; signing in through /login/ that often would trip the sign-in
    rate limit), and one API token per canary obtained through the real token endpoint."""

    def __init__(self, *, client_for, worlds: Mapping[str, object], tokens: Mapping[str, str]) -> None:
        super().__init__(sessions={}, tokens=tokens)
        self.client_for, self.worlds = client_for, dict(worlds)

    def session(self, owner: str) -> str:
        key = self.sessions.get(owner)
        if key is None or not Session.objects.filter(session_key=key).exists():
            world = self.worlds[owner]
            client = self.client_for(world, world.owner)
            key = self.sessions[owner] = client.cookies[settings.SESSION_COOKIE_NAME].value
        return key


@pytest.fixture
def transport() -> ClientTransport:
    return ClientTransport()


@pytest.fixture
def report_summary(request):
    """`report_summary(line)`: printed in pytest's terminal summary, whatever `-q`/`-r` say."""
    return summary_writer(request.config, "cross-tenant isolation")
