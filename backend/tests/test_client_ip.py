"""One rule for the client's address: X-Forwarded-For counts only when a trusted proxy sent it.

nginx appends the address it received the request from, so behind one proxy the client is the last
entry; anything before it was written by the client. A peer that is not a trusted proxy cannot
forward anything (X-Forwarded-For and X-Forwarded-Proto are dropped before anything reads them).
"""

import pytest
from django.test import RequestFactory, override_settings

from backend.client_ip import ProxyHeadersMiddleware, client_ip

BEHIND_NGINX = {"TRUSTED_PROXY_COUNT": 1, "TRUSTED_PROXY_IPS": ["127.0.0.1", "::1"]}


def _through_middleware(**meta):
    request = RequestFactory().get("/", **meta)
    seen = {}

    def view(req):
        seen["ip"] = client_ip(req)
        seen["secure"] = req.is_secure()
        seen["xff"] = req.META.get("HTTP_X_FORWARDED_FOR")
        return None

    ProxyHeadersMiddleware(view)(request)
    return seen


@override_settings(**BEHIND_NGINX)
@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("198.51.100.7", "198.51.100.7"),
        ("10.9.9.9, 198.51.100.7", "198.51.100.7"),  # the client's own (forged) entry is ignored
        ("not-an-ip, 198.51.100.7", "198.51.100.7"),
        ("2001:db8::5", "2001:db8::5"),
    ],
)
def test_behind_one_trusted_proxy_the_entry_it_added_is_the_client(forwarded, expected):
    assert _through_middleware(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)["ip"] == expected


@override_settings(TRUSTED_PROXY_COUNT=2, TRUSTED_PROXY_IPS=["127.0.0.1"])
def test_behind_a_load_balancer_and_nginx_the_second_entry_from_the_right_is_the_client():
    seen = _through_middleware(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7, 10.0.0.2")
    assert seen["ip"] == "198.51.100.7"


@override_settings(**BEHIND_NGINX, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_an_untrusted_peer_cannot_forward_an_address_or_a_scheme():
    seen = _through_middleware(
        REMOTE_ADDR="203.0.113.50", HTTP_X_FORWARDED_FOR="198.51.100.7", HTTP_X_FORWARDED_PROTO="https"
    )
    assert seen == {"ip": "203.0.113.50", "secure": False, "xff": None}
    trusted = _through_middleware(
        REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7", HTTP_X_FORWARDED_PROTO="https"
    )
    assert (trusted["ip"], trusted["secure"]) == ("198.51.100.7", True)


def test_without_proxies_remote_addr_is_the_client_whatever_the_headers_say():
    seen = _through_middleware(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert (seen["ip"], seen["xff"]) == ("127.0.0.1", None)


@override_settings(**BEHIND_NGINX)
def test_a_proxy_that_sent_no_forwarded_for_leaves_its_own_address():
    assert _through_middleware(REMOTE_ADDR="127.0.0.1")["ip"] == "127.0.0.1"
