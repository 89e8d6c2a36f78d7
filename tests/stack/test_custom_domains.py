"""Custom domains in production settings: a verified one is served, an unverified one is an unknown host.

ALLOWED_HOSTS no longer lists hosts (backend/hosts.py): the platform's own hosts and verified Domain rows
pass, looked up through the shared routing cache and forgotten with it when a domain changes.
"""

from __future__ import annotations

SETUP = """
from apps.tenants.models import Client, Domain
Domain.objects.get_or_create(domain="meats.acme.test", defaults={"tenant": Client.objects.get(schema_name="acme"),
    "is_primary": False, "is_verified": True})
Domain.objects.get_or_create(domain="shop.globex.test", defaults={"tenant": Client.objects.get(schema_name="globex"),
    "is_primary": False, "is_verified": False})
"""


def test_verified_custom_domain_is_served_and_unverified_is_refused(stack, http):
    # Asked first, so a cached "unknown" answer exists and must be forgotten when the domain is verified.
    assert http("GET", "/login/", host="meats.acme.test", source="127.0.0.30").status == 404
    stack.manage("shell", "-c", SETUP)

    served = http("GET", "/login/", host="meats.acme.test:443", source="127.0.0.30")
    assert served.status == 200
    assert "Acme" in served.text
    refused = http("GET", "/login/", host="shop.globex.test", source="127.0.0.30")
    assert refused.status == 404
    assert "Globex" not in refused.text
    assert http("GET", "/login/", host="evil.example", source="127.0.0.30").status == 404
