"""Fixtures for the tests in this folder that run the project's commands against a database of their own."""

from __future__ import annotations

import uuid
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection

PASSWORD = "never-print-this-pw"


@pytest.fixture
def empty_database():
    """A new, empty database on the test server, as a DATABASE_URL with a password in it."""
    params = {**connection.get_connection_params(), "dbname": "postgres"}
    name = f"migrate_sh_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    host = quote(params.get("host") or "localhost", safe="")
    port = f":{params['port']}" if params.get("port") else ""
    yield f"postgres://{params['user']}:{PASSWORD}@{host}{port}/{name}", name
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
