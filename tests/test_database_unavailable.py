"""A database that cannot be reached answers 503 (JSON on /api/, a page elsewhere), never a 500.

The connection is pointed at a port where nothing listens: a real refused connection, raised from
wherever the request first needs the database (here: routing a host not in the cache).
"""

import socket

import pytest
from django.db import OperationalError, connection
from django.test import Client as DjangoClient


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def unreachable_database(django_db_blocker):
    with django_db_blocker.unblock():
        saved = dict(connection.settings_dict)
        connection.close()
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(_closed_port()))
        try:
            yield
        finally:
            connection.close()
            connection.settings_dict.clear()
            connection.settings_dict.update(saved)


def _client() -> DjangoClient:
    return DjangoClient(HTTP_HOST="not-cached.localhost", raise_request_exception=False)


def test_api_answers_503_json_with_retry_after(unreachable_database):
    response = _client().get("/api/v1/suppliers/")
    assert response.status_code == 503
    assert response.json() == {
        "detail": "The service is temporarily unavailable; try again shortly.",
        "code": "unavailable",
    }
    assert response["Retry-After"] == "5"


def test_pages_answer_a_friendly_503_page(unreachable_database):
    response = _client().get("/suppliers/")
    assert response.status_code == 503
    assert "right back" in response.text
    assert "Traceback" not in response.text and "OperationalError" not in response.text


def test_other_server_errors_stay_500(world, db, client_for, settings, monkeypatch):
    from apps.partners import api

    def broken(*args, **kwargs):
        raise RuntimeError("a bug, not an outage")

    monkeypatch.setattr(api.SupplierViewSet, "list", broken)
    client = client_for(world.a, world.a.viewer)
    client.raise_request_exception = False
    response = client.get("/api/v1/suppliers/")
    assert (response.status_code, response.json()) == (500, {"detail": "Server error.", "code": "server_error"})


def test_an_error_raised_because_of_an_outage_is_an_outage_too():
    from procrastinate.exceptions import ConnectorException

    from backend.errors import database_unavailable

    try:
        try:
            raise OperationalError("server closed the connection unexpectedly")
        except OperationalError as outage:
            raise ConnectorException("Database error.") from outage
    except ConnectorException as wrapped:
        assert database_unavailable(wrapped)
    # Re-raised `from None` while handling an outage: Python still keeps the outage as the context.
    try:
        try:
            raise OperationalError("terminating connection due to administrator command")
        except OperationalError:
            raise RuntimeError("cleanup failed") from None
    except RuntimeError as during_outage:
        assert database_unavailable(during_outage)
    try:
        try:
            raise ValueError("a bug")
        except ValueError as bug:
            raise RuntimeError("wrapped") from bug
    except RuntimeError as unrelated:
        assert not database_unavailable(unrelated)
    assert not database_unavailable(RuntimeError("a bug"))
