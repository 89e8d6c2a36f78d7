"""The client's address, decided once per request from the trusted proxies in front of us.

Behind nginx (and perhaps a load balancer before it) REMOTE_ADDR is the last proxy; the client is in
X-Forwarded-For, which each proxy extends with the address it received the request from. Only the
entries our own proxies added can be believed: with TRUSTED_PROXY_COUNT proxies, the client is the
TRUSTED_PROXY_COUNT-th entry from the right (django-ipware picks and parses it). Anything to its left
was written by the client and is ignored, so a forged header buys nothing.

And only a request that really comes from a trusted proxy (REMOTE_ADDR in TRUSTED_PROXY_IPS) may
carry forwarded headers at all: from any other peer, X-Forwarded-For and X-Forwarded-Proto are
removed before anything reads them (so SECURE_PROXY_SSL_HEADER is believed only via the proxy).

Everything that keys on the client — django-axes, the sign-in limiter, signup, DRF throttles, the
audit log — calls `client_ip(request)`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ipware import get_client_ip

FORWARDED_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST", "HTTP_FORWARDED")
_ATTRIBUTE = "_client_ip"


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def is_trusted_proxy(address: str | None) -> bool:
    if not address or not settings.TRUSTED_PROXY_COUNT:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _networks(tuple(settings.TRUSTED_PROXY_IPS)))


def _resolve(request: HttpRequest) -> str | None:
    peer = request.META.get("REMOTE_ADDR") or None
    if not is_trusted_proxy(peer):
        return peer
    # ipware counts the proxies listed in the header; ours are the count minus the one in REMOTE_ADDR.
    ip, _routable = get_client_ip(
        request,
        proxy_count=settings.TRUSTED_PROXY_COUNT - 1,
        request_header_order=("HTTP_X_FORWARDED_FOR",),
        strict=False,
    )
    return ip or peer


def client_ip(request: HttpRequest) -> str | None:
    """The client's address (see the module docstring); None only when the server gave none."""
    if not hasattr(request, _ATTRIBUTE):
        setattr(request, _ATTRIBUTE, _resolve(request))
    return getattr(request, _ATTRIBUTE)


class ProxyHeadersMiddleware:
    """First in MIDDLEWARE: forwarded headers survive only from trusted proxies; the client IP is fixed."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_trusted_proxy(request.META.get("REMOTE_ADDR")):
            for header in FORWARDED_HEADERS:
                request.META.pop(header, None)
        client_ip(request)
        return self.get_response(request)
