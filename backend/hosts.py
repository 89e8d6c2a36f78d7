"""Host header validation: the platform's own hosts, plus every verified custom domain.

Django's ALLOWED_HOSTS is a static list, so a tenant's verified custom domain would be refused with
400 before routing ever saw it, and operators would be pushed to `*`. Here ALLOWED_HOSTS is `*` and
this middleware (before routing) does the check instead: PLATFORM_HOSTS patterns (ALLOWED_HOSTS
syntax: `example.com`, `.example.com`) pass at once; any other host must be a verified Domain, looked
up through the routing cache (so it is cached and invalidated with it). Anything else gets the
unknown-host 404 (TEN-05), the answer django-tenants gives a host Django's check refuses.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port, validate_host
from django_tenants.utils import remove_www

from backend.tenancy import tenant_for_host
from backend.views import unknown_host


def host_allowed(domain: str) -> bool:
    if not domain:
        return False
    if validate_host(domain, settings.PLATFORM_HOSTS):
        return True
    connection.set_schema_to_public()
    return tenant_for_host(remove_www(domain)) is not None  # routing drops `www.` the same way


class HostValidationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        domain, _port = split_domain_port(request._get_raw_host())
        if not host_allowed(domain):
            return unknown_host(request)
        return self.get_response(request)
