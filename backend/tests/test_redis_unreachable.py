"""Production's cache (django-redis, IGNORE_EXCEPTIONS) with Redis away: serving goes on, limits degrade.

Redis is configured at a port where nothing listens — a real refused connection, not a stand-in.
"""

import socket

import pytest
from django.test import override_settings

from backend import ratelimit


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_away():
    caches = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "KEY_FUNCTION": "django_tenants.cache.make_key",
            "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        }
    }
    with override_settings(CACHES=caches):
        yield


def test_rate_limits_still_apply_per_process_while_redis_is_away(redis_away):
    results = [ratelimit.hit("redis-away", "198.51.100.1", limit=3, window=60) for _ in range(4)]
    assert [result.allowed for result in results] == [True, True, True, False]
    assert ratelimit.hit("redis-away", "198.51.100.2", limit=3, window=60).allowed


def test_tenant_pages_and_api_keep_answering_while_redis_is_away(redis_away, tenant_a, client_for):
    assert client_for(tenant_a, tenant_a.viewer).get("/api/v1/suppliers/").status_code == 200
    assert client_for(tenant_a, tenant_a.viewer).get("/suppliers/").status_code == 200
    assert client_for("nosuch.localhost").get("/").status_code == 404
