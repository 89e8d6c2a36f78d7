"""Shared test world: two tenants (alpha, beta) with a user per role, plus an outsider.

Creating schemas is the slow part, so the world is built once per test session; each test then runs
inside a transaction that is rolled back, and the connection is put back on `public` afterwards.
"""

from __future__ import annotations

import datetime
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import Client as DjangoClient

from apps.accounts.models import Membership, User
from apps.accounts.services import membership_ensure, user_ensure
from apps.accounts.sessions import bind_session
from apps.tenants.models import Client, Domain
from apps.tenants.services import super_tenant_ensure, tenant_create

TEST_PASSWORD = "correct-horse-battery-staple"

# `PM_CLOCK_AT=2026-12-31T00:30:00+00:00 pytest ...` runs the whole session with the clock started at that
# instant (it keeps ticking). `make test` runs the date-dependent tests at awkward instants this way.
CLOCK_AT_ENV = "PM_CLOCK_AT"


def pytest_configure(config):
    at = os.environ.get(CLOCK_AT_ENV, "").strip()
    if at:
        instant = datetime.datetime.fromisoformat(at)
        if instant.tzinfo is None:
            raise pytest.UsageError(f"{CLOCK_AT_ENV} needs a UTC offset, e.g. 2026-12-31T00:30:00+00:00")
        config._pm_clock = time_machine.travel(instant, tick=True)
        config._pm_clock.start()


# Tests whose outcome can depend on the date: every test of the apps with calendar rules, and any test
# module that handles dates or time itself. `make test` runs them again at the pinned instants above.
CLOCK_DEPENDENT_APPS = ("accounting", "audit", "claims", "compliance", "partners", "purchasing", "reports", "sales")
_TIME_IMPORTS = re.compile(
    r"^\s*(import datetime|from datetime |import time_machine|from backend(\.clock| import clock))", re.M
)


def _handles_time(path: Path, seen: dict[Path, bool]) -> bool:
    if path not in seen:
        parts = path.relative_to(Path(__file__).parent).parts
        in_app = len(parts) > 2 and parts[0] == "apps" and parts[1] in CLOCK_DEPENDENT_APPS
        seen[path] = in_app or bool(_TIME_IMPORTS.search(path.read_text()))
    return seen[path]


def pytest_collection_modifyitems(config, items):
    seen: dict[Path, bool] = {}
    for item in items:
        if _handles_time(Path(item.fspath), seen):
            item.add_marker(pytest.mark.clock)


# Lines a test wants in pytest's terminal summary whatever -q/-r say (fuzzer, API contract), by section.
SUMMARY_SECTIONS = pytest.StashKey[dict[str, list[str]]]()


def summary_writer(config, section: str):
    """`write(line)`: `line` is printed under `section` at the end of the run."""
    return config.stash.setdefault(SUMMARY_SECTIONS, {}).setdefault(section, []).append


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    for section, lines in config.stash.get(SUMMARY_SECTIONS, {}).items():
        terminalreporter.section(section)
        for line in lines:
            terminalreporter.write_line(line)


def pytest_report_header(config):
    at = os.environ.get(CLOCK_AT_ENV, "").strip()
    return [f"clock pinned: started at {at} ({CLOCK_AT_ENV})"] if at else []


def pytest_unconfigure(config):
    clock = getattr(config, "_pm_clock", None)
    if clock is not None:
        clock.stop()


ROLES = [role.value for role in Membership.Role]


@dataclass(frozen=True)
class TenantWorld:
    tenant: Client
    domain: str
    owner: User
    admin: User
    manager: User
    staff: User
    viewer: User

    def user(self, role: str) -> User:
        return getattr(self, role)


@dataclass(frozen=True)
class World:
    a: TenantWorld
    b: TenantWorld
    outsider: User


def _build_tenant(schema: str, name: str) -> TenantWorld:
    domain = f"{schema}.localhost"
    tenant = tenant_create(schema_name=schema, name=name, domain=domain, owner_email=f"owner@{schema}.test")
    users = {}
    for role in ROLES:
        user = user_ensure(email=f"{role}@{schema}.test", full_name=f"{role.title()} {name}")
        user.set_password(TEST_PASSWORD)
        user.save()
        membership_ensure(user=user, tenant=tenant, role=role)
        users[role] = user
    return TenantWorld(tenant=tenant, domain=domain, **users)


@pytest.fixture(scope="session")
def world(django_db_setup, django_db_blocker) -> World:
    with django_db_blocker.unblock():
        super_tenant_ensure()
        a = _build_tenant("alpha", "Alpha Meats")
        b = _build_tenant("beta", "Beta Provisions")
        outsider = user_ensure(email="outsider@example.test", full_name="Olive Outsider")
        outsider.set_password(TEST_PASSWORD)
        outsider.save()
        connection.set_schema_to_public()
    return World(a=a, b=b, outsider=outsider)


@pytest.fixture
def tenant_a(world, db) -> TenantWorld:
    return world.a


@pytest.fixture
def tenant_b(world, db) -> TenantWorld:
    return world.b


@pytest.fixture
def outsider(world, db) -> User:
    return world.outsider


@pytest.fixture(autouse=True)
def _back_to_public():
    yield
    connection.set_schema_to_public()
    # Cached routing and other cached values must not outlive the test transaction that made them.
    cache.clear()
    # Encryption keys created inside a rolled-back test (a tenant made in the test) must not be reused.
    from backend.crypto import reset_key_cache

    reset_key_cache()


_HOST_TENANT = object()


@pytest.fixture
def client_for(db):
    """`client_for(tenant_world_or_host, user=None, bound_to=<host's tenant>)`: a test client for that host.

    With a user, the client is signed in and its session is bound to the tenant of `bound_to`, which
    defaults to the host's tenant (as signing in on that host does). Pass another TenantWorld or schema
    name to get a session created elsewhere (a replayed cookie), or None for a session with no binding.
    Other keyword arguments go to Django's test Client (e.g. enforce_csrf_checks=True).
    """

    def make(
        target: TenantWorld | str, user: User | None = None, bound_to=_HOST_TENANT, **client_options
    ) -> DjangoClient:
        host = target if isinstance(target, str) else target.domain
        client = DjangoClient(HTTP_HOST=host, **client_options)
        if user is not None:
            client.force_login(user)
            if bound_to is _HOST_TENANT:
                bound_to = target if isinstance(target, TenantWorld) else _schema_for_host(host)
            if bound_to is not None:
                session = client.session
                bind_session(
                    session, schema_name=bound_to.tenant.schema_name if isinstance(bound_to, TenantWorld) else bound_to
                )
                session.save()
        return client

    return make


def _schema_for_host(host: str) -> str | None:
    domain = Domain.objects.filter(domain=host.split(":")[0]).select_related("tenant").first()
    return domain.tenant.schema_name if domain else None


@pytest.fixture
def admin_client_for(db):
    """`admin_client_for(user)`: a client on the public host signed in to /admin/ the real way — password
    plus a one-time (backup) code — since the admin refuses sessions without OTP verification."""

    def make(user: User) -> DjangoClient:
        from django_otp.plugins.otp_static.models import StaticDevice

        user.set_password(TEST_PASSWORD)
        user.save(update_fields=["password"])
        device = StaticDevice.objects.create(user=user, name="test-backup", confirmed=True)
        device.token_set.create(token="admin-test-code")
        client = DjangoClient(HTTP_HOST="localhost")
        client.post(
            "/admin/login/?next=/admin/",
            {"username": user.email, "password": TEST_PASSWORD, "otp_token": "admin-test-code"},
        )
        return client

    return make
