"""Cross-tenant probes: what to ask a deployment that holds two canary tenants, and how to tell a leak.

One module serves both the CI fuzzer (`apps/isolation/tests/test_fuzz.py`: Django's test client, choices
drawn by hypothesis) and `manage.py check_isolation` (real HTTP against a live deployment, choices drawn
by a seeded `random.Random`). A probe is a GET of a page, API list/detail, search or export, on one
tenant's host (or a variant of it, or the other tenant's, the public or an unknown host), with the other
tenant's ids, search values, session cookie or API token, and headers that try to select the other
tenant. A **leak** is a response whose body or headers carry a marker string of a tenant the request's
credential does not belong to. Content, never ids: with colliding primary keys the other tenant's id is
also one of ours, and answering with *our* record is correct.
"""

from __future__ import annotations

import collections
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

T = TypeVar("T")

SESSION = "session"
TOKEN = "token"
ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Canary:
    """One canary tenant as the prober knows it: its host and strings only its data contains."""

    label: str  # "a" or "b"
    host: str
    markers: tuple[str, ...]  # case-insensitive; none of them is ever sent in a request
    search_terms: tuple[str, ...]  # values that find its canary records (proper prefixes of a marker)
    ids: Mapping[str, tuple[int, ...]]  # kind ("supplier", "salesorder", ...) -> ids of its records

    @property
    def hint(self) -> str:
        """What a tenant-selecting header or path would name it by: the first label of its host."""
        return self.host.split(".")[0].split(":")[0]


@dataclass(frozen=True)
class Credential:
    owner: str | None  # a canary label; None for anonymous requests
    kind: str  # SESSION, TOKEN or ANONYMOUS

    def __str__(self) -> str:
        return ANONYMOUS if self.owner is None else f"{self.owner}-{self.kind}"


ANONYMOUS_CREDENTIAL = Credential(None, ANONYMOUS)


@dataclass(frozen=True)
class Probe:
    path: str  # with its query string
    host: str
    headers: tuple[tuple[str, str], ...]
    credential: Credential
    method: str = "GET"

    def describe(self) -> str:
        extra = "".join(f" {name}: {value};" for name, value in self.headers)
        return f"{self.method} {self.path} Host: {self.host};{extra} as {self.credential}"

    def session_risk(self, canaries: Sequence[Canary]) -> int:
        """How likely this probe ends its session: 0 never (plainly its own host, or no session), 1 only if
        the server is broken (a variant of its host, tenant-selecting headers), 2 by design (replayed on
        the other tenant's host, which destroys it). A live run cannot sign in thousands of times, so it
        sends probes in this order and the others keep a signed-in session."""
        if self.credential.kind != SESSION:
            return 0
        own = next(c.host for c in canaries if c.label == self.credential.owner).lower()
        host = self.host.lower().rstrip(".").removeprefix("www.")
        if host != own and any(host == c.host.lower() for c in canaries):
            return 2
        return 1 if self.host != own or self.headers else 0


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Mapping[str, str]
    body: bytes


class Transport(Protocol):
    def send(
        self, method: str, path: str, *, host: str, headers: Mapping[str, str], body: bytes | None = None
    ) -> Reply: ...


class Credentials(Protocol):
    def headers(self, credential: Credential) -> dict[str, str]:
        """The Cookie / Authorization headers that present `credential` (empty for anonymous)."""
        ...


class Chooser(Protocol):
    def choice(self, options: Sequence[T]) -> T: ...


class RandomChooser:
    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)  # noqa: S311 - reproducible choices, not secrets

    def choice(self, options: Sequence[T]) -> T:
        return self._random.choice(options)


# --- What to ask ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    template: str  # "{id}" is filled with an id of `kind`
    kind: str | None = None
    lists: bool = False  # takes search, filter, ordering and paging parameters


def _resource(
    kind: str, page: str | None, api: str | None, *, edit: bool = True, exports: Sequence[str] = ()
) -> list[Route]:
    routes = []
    if page:
        routes += [Route(page, lists=True), Route(page + "{id}/", kind)]
        if edit:
            routes.append(Route(page + "{id}/edit/", kind))
    if api:
        routes += [Route(api, lists=True), Route(api + "{id}/", kind)]
    routes += [Route(path, lists=True) for path in exports]
    return routes


API = "/api/v1/"
REPORTS = ("ar-aging", "payables-due", "margin", "open-orders")

ROUTES: tuple[Route, ...] = (
    *_resource(
        "supplier", "/suppliers/", API + "suppliers/", exports=["/suppliers/export.csv", API + "suppliers/export/"]
    ),
    *_resource(
        "customer", "/customers/", API + "customers/", exports=["/customers/export.csv", API + "customers/export/"]
    ),
    *_resource("plant", "/plants/", API + "plants/"),
    *_resource("carrier", "/carriers/", API + "carriers/"),
    *_resource("contact", "/contacts/", API + "contacts/"),
    *_resource("location", "/locations/", API + "locations/"),
    *_resource("product", "/products/", API + "products/", exports=["/products/export.csv", API + "products/export/"]),
    *_resource("complianceitem", "/compliance-items/", API + "compliance-items/"),
    *_resource("compliancetask", "/compliance-tasks/", API + "compliance-tasks/"),
    Route(API + "compliance-tasks/{id}/evidence/", "compliancetask"),
    Route("/compliance/evidence/versions/{id}/", "evidenceversion"),
    *_resource(
        "purchaseorder",
        "/purchase-orders/",
        API + "purchase-orders/",
        exports=["/purchase-orders/export.csv", API + "purchase-orders/export/"],
    ),
    *_resource(
        "salesorder",
        "/sales-orders/",
        API + "sales-orders/",
        exports=["/sales-orders/export.csv", API + "sales-orders/export/"],
    ),
    *_resource("invoice", "/invoices/", API + "invoices/", edit=False, exports=["/invoices/export.csv"]),
    *_resource("payment", "/payments/", API + "payments/", edit=False, exports=["/payments/export.csv"]),
    *_resource("claim", "/claims/", API + "claims/", edit=False),
    Route("/members/", lists=True),
    Route("/members/{id}/", "membership"),
    # Subject rights (issue 16): the pages and the JSON downloads (an export is audited in the probed tenant).
    Route("/privacy/members/{id}/", "membership"),
    Route("/privacy/members/{id}/export/", "membership"),
    Route("/privacy/contacts/{id}/", "contact"),
    Route("/privacy/contacts/{id}/export/", "contact"),
    Route("/privacy/my-data/export/", lists=True),
    *(Route(f"/reports/{name}/", lists=True) for name in REPORTS),
    *(Route(f"{API}reports/{name}/", lists=True) for name in REPORTS),
    *(Route(path, lists=True) for path in ("/", "/reports/", "/audit/", "/audit/export.csv", API + "audit-events/")),
    *(Route(path, lists=True) for path in ("/compliance/", "/compliance/mine/", "/compliance/calendar/")),
    *(Route(path) for path in ("/compliance/calendar/week/", API + "auth/whoami/", "/settings/", "/settings/plan/")),
    *(Route(path) for path in ("/settings/domains/", "/settings/branding/", "/account/mfa/", "/login/")),
)

# Query parameters that select records by another record's id (django-filter names them after the kind).
ID_FILTERS = {
    "supplier": "supplier",
    "customer": "customer",
    "carrier": "carrier",
    "plant": "plant",
    "item": "complianceitem",
    "sales_order": "salesorder",
    "purchase_order": "purchaseorder",
}
MISSING_ID = 987654321


def _ids(kind: str, home: Canary, other: Canary, choose: Chooser) -> str:
    """Mostly the other tenant's ids; also ours, ids only the other tenant has, and ids nobody has."""
    theirs, ours = other.ids.get(kind, ()), home.ids.get(kind, ())
    pools = {
        "theirs": theirs,
        "theirs only": tuple(pk for pk in theirs if pk not in ours),
        "ours": ours,
        "missing": (MISSING_ID,),
    }
    pool = pools[choose.choice(("theirs", "theirs only", "theirs", "ours", "missing"))] or theirs or (MISSING_ID,)
    pk = choose.choice(pool)
    return choose.choice((str(pk), str(pk), f"0{pk}"))


def _query_parameter(home: Canary, other: Canary, choose: Chooser) -> str:
    shape = choose.choice(
        (
            "",
            "search theirs",
            "search theirs",
            "search ours",
            "filter",
            "ordering",
            "page",
            "archived",
            "format",
            "tenant",
        )
    )
    if shape == "search theirs":
        return "q=" + choose.choice(other.search_terms)
    if shape == "search ours":
        return "q=" + choose.choice(home.search_terms)
    if shape == "filter":
        name = choose.choice(tuple(ID_FILTERS))
        return f"{name}={_ids(ID_FILTERS[name], home, other, choose)}"
    if shape == "tenant":
        return f"{choose.choice(('tenant', 'schema', 'tenant_id', 'host'))}={other.hint}"
    return {
        "": "",
        "ordering": "ordering=-" + choose.choice(("id", "name", "code", "updated_at")),
        "page": "page=" + choose.choice(("2", "0", "last")),
        "archived": "archived=all",
        "format": "format=" + choose.choice(("csv", "json")),
    }[shape]


def _spoofing_headers(other: Canary, choose: Chooser) -> tuple[tuple[str, str], ...]:
    """Headers a proxy or a careless middleware might let pick the tenant instead of the Host."""
    name = choose.choice(
        (
            "",
            "",
            "",
            "X-Forwarded-Host",
            "X-Forwarded-Host list",
            "Forwarded",
            "X-Original-Host",
            "X-Host",
            "X-Forwarded-Server",
            "X-Tenant",
            "X-Tenant-ID",
            "X-Schema",
            "X-DTS-SCHEMA",
        )
    )
    if not name:
        return ()
    if name == "X-Forwarded-Host list":
        return (("X-Forwarded-Host", f"{other.host}, {other.host}"),)
    if name == "Forwarded":
        return (("Forwarded", f"host={other.host};proto=https"),)
    value = other.hint if name in ("X-Tenant", "X-Tenant-ID", "X-Schema", "X-DTS-SCHEMA") else other.host
    return ((name, value),)


def public_host_of(host: str) -> str:
    """The platform's own host for a tenant host: `acme.example.com` -> `example.com`."""
    name = host.split(":")[0]
    return name.split(".", 1)[1] if "." in name else name


def draw_probe(choose: Chooser, canaries: Sequence[Canary]) -> Probe:
    """One request: on `home`'s host (mostly), aimed at `other`'s data."""
    home = choose.choice(canaries)
    other = next(c for c in canaries if c is not home)
    credential = choose.choice(
        (
            Credential(home.label, SESSION),
            Credential(home.label, TOKEN),
            ANONYMOUS_CREDENTIAL,
            Credential(other.label, SESSION),
            Credential(other.label, TOKEN),
        )
    )
    public = public_host_of(home.host)
    host = choose.choice(
        (
            *(home.host,) * 6,
            home.host.upper(),
            f"www.{home.host}",
            f"{home.host}.",
            other.host,
            other.host,
            public,
            f"isolation-probe-unknown.{public}",
        )
    )
    route = choose.choice(ROUTES)
    path = route.template
    if route.kind is not None:
        path = path.replace("{id}", _ids(route.kind, home, other, choose))
    if choose.choice(("",) * 9 + ("prefix",)):
        path = f"/clients/{other.hint}{path}"
    if route.lists:
        parameters = [_query_parameter(home, other, choose), _query_parameter(home, other, choose)]
        query = "&".join(p for p in parameters if p)
        path = f"{path}?{query}" if query else path
    return Probe(path=path, host=host, headers=_spoofing_headers(other, choose), credential=credential)


# --- How to tell a leak --------------------------------------------------------------------------------


def leaked_markers(reply: Reply, credential: Credential, canaries: Sequence[Canary]) -> list[str]:
    """Markers in the reply of every canary the credential does not belong to (all of them, anonymously)."""
    text = b"\n".join([reply.body, *(f"{k}: {v}".encode() for k, v in reply.headers.items())]).lower()
    return [
        f"{canary.label}:{marker}"
        for canary in canaries
        if canary.label != credential.owner
        for marker in canary.markers
        if marker.lower().encode() in text
    ]


@dataclass(frozen=True)
class Finding:
    probe: Probe
    status: int
    markers: tuple[str, ...] = ()

    def describe(self) -> str:
        found = f" carrying {', '.join(self.markers)}" if self.markers else ""
        return f"{self.probe.describe()} -> {self.status}{found}"


@dataclass
class Tally:
    requests: int = 0
    leaks: list[Finding] = field(default_factory=list)
    server_errors: list[Finding] = field(default_factory=list)
    statuses: collections.Counter = field(default_factory=collections.Counter)

    def summary(self) -> str:
        """`N requests, L leaks (...)`: the line CI and operators read."""
        statuses = " ".join(f"{status}x{count}" for status, count in sorted(self.statuses.items()))
        line = (
            f"{self.requests} requests, {len(self.leaks)} leaks ({len(self.server_errors)} server errors; {statuses})"
        )
        if self.leaks:
            line += f"; first leak: {self.leaks[0].describe()}"
        elif self.server_errors:
            line += f"; first server error: {self.server_errors[0].describe()}"
        return line


class Prober:
    """Sends probes through a transport with real credentials and keeps the tally."""

    def __init__(self, *, transport: Transport, credentials: Credentials, canaries: Sequence[Canary]) -> None:
        if len(canaries) != 2 or canaries[0].label == canaries[1].label:
            raise ValueError("A prober needs exactly two canaries with different labels.")
        self.transport = transport
        self.credentials = credentials
        self.canaries = tuple(canaries)
        self.tally = Tally()

    def send(self, probe: Probe) -> Finding:
        headers = {**dict(probe.headers), **self.credentials.headers(probe.credential)}
        reply = self.transport.send(probe.method, probe.path, host=probe.host, headers=headers)
        finding = Finding(probe, reply.status, tuple(leaked_markers(reply, probe.credential, self.canaries)))
        self.tally.requests += 1
        self.tally.statuses[reply.status] += 1
        if finding.markers:
            self.tally.leaks.append(finding)
        if reply.status >= 500:
            self.tally.server_errors.append(finding)
        return finding

    def run(self, *, count: int, seed: int, on_finding: Callable[[Finding], None] | None = None) -> Tally:
        """`count` probes drawn from `seed`, sent in the order of `Probe.session_risk`."""
        choose = RandomChooser(seed)
        probes = [draw_probe(choose, self.canaries) for _ in range(count)]
        probes.sort(key=lambda probe: probe.session_risk(self.canaries))
        for probe in probes:
            finding = self.send(probe)
            if on_finding is not None and (finding.markers or finding.status >= 500):
                on_finding(finding)
        return self.tally
