"""The shared prober's rules, without a server: what counts as a leak, what probes look like."""

from __future__ import annotations

import pytest
from django.urls import Resolver404, resolve

from apps.isolation.canary import search_terms
from apps.isolation.probes import (
    ANONYMOUS_CREDENTIAL,
    ROUTES,
    SESSION,
    TOKEN,
    Canary,
    Credential,
    Probe,
    RandomChooser,
    Reply,
    draw_probe,
    leaked_markers,
)

A = Canary("a", "alpha.localhost", ("isocanaryalpha00001", "@alpha.test"), search_terms("isocanaryalpha00001"), {})
B = Canary("b", "beta.localhost", ("isocanarybeta000002",), search_terms("isocanarybeta000002"), {"supplier": (1, 2)})
PAIR = (A, B)


def reply(body: str, **headers: str) -> Reply:
    return Reply(status=200, headers=headers, body=body.encode())


def test_the_other_tenants_marker_is_a_leak_and_our_own_is_not():
    page = reply("<td>ISOCANARYBETA000002 Supplier</td>")  # case does not hide it
    assert leaked_markers(page, Credential("a", SESSION), PAIR) == ["b:isocanarybeta000002"]
    assert leaked_markers(page, Credential("b", TOKEN), PAIR) == []


def test_anonymous_requests_may_see_no_tenants_data():
    assert leaked_markers(reply("owner@alpha.test"), ANONYMOUS_CREDENTIAL, PAIR) == ["a:@alpha.test"]


def test_a_marker_in_a_header_is_a_leak():
    export = reply("", **{"content-disposition": 'attachment; filename="isocanarybeta000002.csv"'})
    assert leaked_markers(export, Credential("a", TOKEN), PAIR) == ["b:isocanarybeta000002"]


def test_a_page_echoing_the_search_terms_is_not_a_leak():
    echo = reply(" ".join(f'<input name="q" value="{term}">' for term in B.search_terms))
    assert leaked_markers(echo, Credential("a", SESSION), PAIR) == []


def test_probes_are_reproducible_and_never_carry_a_marker():
    def draws(seed: int) -> list[Probe]:
        choose = RandomChooser(seed)
        return [draw_probe(choose, PAIR) for _ in range(50)]

    assert draws(3) == draws(3) != draws(4)
    choose = RandomChooser(3)
    probes = [draw_probe(choose, PAIR) for _ in range(3000)]
    sent = [" ".join([p.path, p.host, *(v for _, v in p.headers)]).lower() for p in probes]
    assert not [s for s in sent for marker in (*A.markers, *B.markers) if marker.lower() in s]
    assert {p.credential for p in probes} == {
        Credential(label, kind) for label in "ab" for kind in (SESSION, TOKEN)
    } | {ANONYMOUS_CREDENTIAL}
    assert any("q=isocanarybeta" in p.path for p in probes) and any("/1/" in p.path for p in probes)
    assert any(name == "X-Forwarded-Host" for p in probes for name, _ in p.headers)


def test_session_replays_on_the_other_host_go_last_in_a_live_run():
    own = Probe("/", "alpha.localhost", (), Credential("a", SESSION))
    spoofed = Probe("/", "alpha.localhost", (("X-Tenant", "beta"),), Credential("a", SESSION))
    replayed = Probe("/", "www.beta.localhost", (), Credential("a", SESSION))
    token = Probe("/", "beta.localhost", (), Credential("a", TOKEN))
    assert [p.session_risk(PAIR) for p in (own, spoofed, replayed, token)] == [0, 1, 2, 0]


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.template)
def test_every_probed_route_exists_on_tenant_hosts(route):
    """A renamed route must fail here, not quietly turn its probes into 404s."""
    try:
        resolve(route.template.replace("{id}", "1"), urlconf="projectmeats.urls")
    except Resolver404:
        pytest.fail(f"{route.template} does not resolve")
