"""One production-shaped stack for the session (deploy/stack): nginx → gunicorn → PgBouncer → PostgreSQL,
Redis, the job worker, demo tenants seeded. Tests reach it over HTTP and read its database directly.

Every test in this folder carries the `stack` marker (`pytest -m stack` runs them alone). Tests leave
the stack as they found it (tenants active, services running) and use their own client addresses
(127.0.0.N), so limits counted by one test never leak into another.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from deploy.stack import Stack, StackConfig, free_port

from .http import Reply, request

DEMO_PASSWORD = "projectmeats-demo"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/stack/" in str(item.fspath):
            item.add_marker(pytest.mark.stack)


@pytest.fixture(scope="session")
def stack():
    # Not under pytest's basetemp: pytest resets /tmp/pytest-of-<user> to 0700 whenever a session starts,
    # and the servers run as an unprivileged user when we are root (a restarted PostgreSQL could not
    # reach its data). 3 workers × 2 threads against 4 server connections: a pool smaller than the
    # app's threads.
    root = Path(tempfile.mkdtemp(prefix="projectmeats-stack-"))
    config = StackConfig(root=root, http_port=free_port(), workers=3, threads=2)
    running = Stack(config).start()
    yield running
    running.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def http(stack):
    def call(method: str, path: str, **kwargs) -> Reply:
        return request(stack.config.http_port, method, path, **kwargs)

    return call


def fresh_window(seconds: int = 60, room: float = 30) -> None:
    """Wait, if needed, so the next `room` seconds fall inside one fixed rate-limit window."""
    into = time.time() % seconds
    if into > seconds - room:
        time.sleep(seconds - into + 0.1)


def api_token(http, *, email: str, source: str, host: str = "acme.localhost") -> str:
    credentials = {"email": email, "password": DEMO_PASSWORD}
    reply = http("POST", "/api/v1/auth/token/", host=host, source=source, json=credentials)
    assert reply.status == 201, reply.text
    return reply.json()["token"]


def sign_in(http, *, email: str, source: str, host: str = "acme.localhost") -> dict[str, str]:
    """Sign in through the login page like a browser; returns the cookies (session, CSRF)."""
    page = http("GET", "/login/", host=host, source=source)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    form = {"csrfmiddlewaretoken": token, "email": email, "password": DEMO_PASSWORD}
    reply = http("POST", "/login/", host=host, source=source, form=form, cookies=page.cookies)
    assert reply.status == 302 and "sessionid" in reply.cookies, reply.status
    return {**page.cookies, **reply.cookies}
