"""The plan throttle identifies anonymous callers by the platform's one client-address rule (backend.client_ip)."""

from django.test import RequestFactory, override_settings

from apps.tenants.throttling import TenantPlanRateThrottle


@override_settings(TRUSTED_PROXY_COUNT=1, TRUSTED_PROXY_IPS=["127.0.0.1", "::1"])
def test_drf_throttle_identifies_anonymous_callers_by_the_same_rule():
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7")
    assert TenantPlanRateThrottle().get_ident(request) == "198.51.100.7"
