import pytest
from procrastinate import testing
from procrastinate.contrib.django import app


@pytest.fixture
def in_memory_queue():
    """Jobs deferred during the test land here instead of the real queue table."""
    connector = testing.InMemoryConnector()
    with app.replace_connector(connector):
        yield connector


@pytest.fixture
def new_york(tenant_a):
    """Tenant A on New York time for one test (the session-wide tenant object is restored afterwards)."""
    tenant = tenant_a.tenant
    before = tenant.time_zone
    tenant.time_zone = "America/New_York"
    yield tenant_a
    tenant.time_zone = before
