"""Browser tests: a live server thread and Debian's headless Chromium driven by Playwright.

They run in their own pytest session (`pytest -m browser`, see the Makefile) because the live server
thread only sees committed data: the session `world` is committed, and what a browser test writes stays
committed until that session's throwaway cluster is deleted.
"""

from __future__ import annotations

import os
import shutil

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.db import connections
from django.test.testcases import LiveServerThread

CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        pytest.fail(f"Browser tests need Debian's chromium at {path} (make test installs it as root).")
    return path


@pytest.fixture(scope="session")
def live_server_port(world, django_db_blocker) -> int:
    with django_db_blocker.unblock():
        # staticfiles' handler finds files like runserver does (the testcases one reads STATIC_ROOT, which
        # holds nothing until collectstatic, so pages rendered without their stylesheets).
        server = LiveServerThread("127.0.0.1", StaticFilesHandler, connections_override={}, port=0)
        server.daemon = True
        server.start()
        server.is_ready.wait()
        if server.error:
            raise server.error
    yield server.port
    server.terminate()
    for conn in connections.all():
        conn.close()


@pytest.fixture(scope="session")
def demo_world(world, django_db_blocker):
    """The committed demo world (acme, globex) for journeys that use the demo logins; seeded once."""
    from django.core.management import call_command

    with django_db_blocker.unblock():
        call_command("seed_demo", verbosity=0)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; ORM calls in our fixtures stay sync.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
    yield browser
    browser.close()
    playwright.stop()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def url_for(live_server_port):
    """`url_for(tenant_world_or_host, path)` → an absolute URL on that host of the live server."""

    def make(target, path: str = "/") -> str:
        host = target if isinstance(target, str) else target.domain
        return f"http://{host}:{live_server_port}{path}"

    return make


def sign_in(page, base: str, email: str, password: str) -> None:
    """Sign in through the real login page of `base` (e.g. http://acme.localhost:PORT) and wait for /."""
    page.goto(f"{base}/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def wait_for_htmx(page) -> None:
    """After a change that starts an HTMX request: wait until it is answered and swapped (htmx keeps the
    `htmx-request` class on the requesting element until then)."""
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
