"""DNS TXT lookups behind one small interface, so custom-domain verification can swap the resolver.

`settings.DNS_RESOLVER` is either a dotted path to a resolver class (instantiated without arguments)
or a resolver object. Production uses `DnsPythonResolver`; tests and offline development configure a
`StaticResolver` holding the records they want to exist.
"""

from __future__ import annotations

from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

VERIFY_PREFIX = "_projectmeats-verify"


class DnsLookupFailed(Exception):
    """The lookup itself failed (timeout, no nameserver answered): try again later."""


class TxtResolver(Protocol):
    def txt_records(self, name: str) -> list[str]:
        """The TXT strings published at `name`; [] when the name or record does not exist."""
        ...


def verification_name(domain: str) -> str:
    """Where a tenant publishes its verification token for `domain`."""
    return f"{VERIFY_PREFIX}.{domain}"


class DnsPythonResolver:
    """The real thing: dnspython with the system's nameservers and a bounded wait."""

    def __init__(self, lifetime: float | None = None) -> None:
        self.lifetime = lifetime if lifetime is not None else getattr(settings, "DNS_LOOKUP_SECONDS", 5.0)

    def txt_records(self, name: str) -> list[str]:
        import dns.exception
        import dns.resolver

        try:
            answer = dns.resolver.resolve(name, "TXT", lifetime=self.lifetime)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return []
        except dns.exception.DNSException as exc:
            raise DnsLookupFailed(f"DNS lookup for {name} failed: {exc.__class__.__name__}") from exc
        # A TXT record may be split into several character-strings; they form one value.
        return [b"".join(record.strings).decode("utf-8", "replace") for record in answer]


class StaticResolver:
    """Answers from a fixed mapping of name -> TXT strings (tests, offline development)."""

    def __init__(self, records: dict[str, list[str]] | None = None) -> None:
        self.records = {name.lower().rstrip("."): list(values) for name, values in (records or {}).items()}
        self.queries: list[str] = []

    def txt_records(self, name: str) -> list[str]:
        self.queries.append(name)
        return list(self.records.get(name.lower().rstrip("."), []))


def get_resolver() -> TxtResolver:
    configured = getattr(settings, "DNS_RESOLVER", "backend.dns.DnsPythonResolver")
    if isinstance(configured, str):
        return import_string(configured)()
    return configured
