"""API rate limit per tenant plan: requests per minute per (tenant, user), and the plan's API access.

In REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]. Over the limit DRF answers 429 with `Retry-After`
(seconds until the one-minute window resets). Tenants whose plan has no `api_access` get 403.
"""

from __future__ import annotations

from django_tenants.utils import get_public_schema_name
from rest_framework.exceptions import PermissionDenied
from rest_framework.throttling import BaseThrottle

from backend import ratelimit
from backend.client_ip import client_ip

from .plans import feature_enabled, plan_label, tenant_limits

WINDOW_SECONDS = 60


class TenantPlanRateThrottle(BaseThrottle):
    def __init__(self) -> None:
        self._retry_after: int | None = None

    def allow_request(self, request, view) -> bool:
        tenant = getattr(request, "tenant", None)
        if tenant is None or tenant.schema_name == get_public_schema_name():
            return True
        if not feature_enabled(tenant, "api_access"):
            raise PermissionDenied(f"The {plan_label(tenant)} plan does not include API access.")
        limit = tenant_limits(tenant).api_requests_per_minute
        if limit is None:
            return True
        user = getattr(request, "user", None)
        who = f"user:{user.pk}" if user is not None and user.is_authenticated else f"ip:{self.get_ident(request)}"
        result = ratelimit.hit("api", f"{tenant.schema_name}:{who}", limit=limit, window=WINDOW_SECONDS)
        self._retry_after = result.retry_after
        return result.allowed

    def get_ident(self, request) -> str:
        # The one client-address rule (trusted proxies only), not DRF's own reading of X-Forwarded-For.
        return client_ip(request) or "unknown"

    def wait(self) -> float | None:
        return self._retry_after
