"""Canary data: a small trading world per canary tenant whose every text carries the tenant's marker.

Planted and found through the public REST API only (a transport + host + bearer token), so the same code
sets up the CI fuzzer's two test tenants and a live deployment's two canary tenants. Planting the same
world in two tenants whose id sequences start equal gives records with colliding primary keys.
"""

from __future__ import annotations

import datetime
import json
import re
import secrets
import string
from collections.abc import Mapping, Sequence
from typing import Any

from .probes import Canary, Transport

PREFIX = "isocanary"
MARKER = re.compile(PREFIX + r"[a-z0-9]{10}")
# Kind -> API list whose records the prober uses as ids (what `probes.ROUTES` calls the kind).
API_LISTS = {
    "supplier": "suppliers",
    "customer": "customers",
    "plant": "plants",
    "carrier": "carriers",
    "contact": "contacts",
    "location": "locations",
    "product": "products",
    "complianceitem": "compliance-items",
    "compliancetask": "compliance-tasks",
    "purchaseorder": "purchase-orders",
    "salesorder": "sales-orders",
    "invoice": "invoices",
    "payment": "payments",
    "claim": "claims",
}


class CanaryError(Exception):
    """A canary could not be planted or found; the message is one readable line."""


def new_marker() -> str:
    alphabet = string.ascii_lowercase + string.digits
    return PREFIX + "".join(secrets.choice(alphabet) for _ in range(10))


def search_terms(marker: str) -> tuple[str, ...]:
    """Values that find this canary's records without ever being the whole marker: a page that echoes
    the search box must not count as a leak, a page that lists the records must."""
    return (marker[:-1], marker[: len(PREFIX) + 4], marker[: len(PREFIX) + 7], "ISO-")


class Api:
    """JSON calls to one tenant's API with one bearer token; any unexpected answer is a CanaryError."""

    def __init__(self, transport: Transport, *, host: str, token: str) -> None:
        self.transport, self.host, self.token = transport, host, token

    def call(self, method: str, path: str, data: Any = None, *, expect: Sequence[int] = (200, 201)) -> Any:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        body = None
        if data is not None:
            body = json.dumps(data).encode()
            headers["Content-Type"] = "application/json"
        reply = self.transport.send(method, "/api/v1/" + path, host=self.host, headers=headers, body=body)
        if reply.status not in expect:
            detail = reply.body[:300].decode("utf-8", "replace").replace("\n", " ")
            raise CanaryError(f"{method} /api/v1/{path} on {self.host} answered {reply.status}: {detail}")
        return json.loads(reply.body) if reply.body else None

    def post(self, path: str, data: Any = None) -> dict:
        return self.call("POST", path, data if data is not None else {})

    def results(self, path: str) -> list[dict]:
        page = self.call("GET", path)
        return page["results"] if isinstance(page, dict) and "results" in page else page


def plant(api: Api, *, marker: str, today: datetime.date) -> None:
    """Create the canary world: partners, a product, compliance work with an evidence file, a purchase
    order, a delivered and invoiced sales order with a payment and a claim. Every text names `marker`."""
    m, day = marker, today.isoformat()
    later = (today + datetime.timedelta(days=14)).isoformat()
    address = {"street": f"1 {m} Way", "city": f"{m} City", "state": "IL", "postal_code": "60601", "country": "US"}
    email = f"{m}@example.com"
    supplier = api.post(
        "suppliers/", {"code": "ISO-S1", "name": f"{m} Supplier", "email": email, "notes": m, **address}
    )
    customer = api.post(
        "customers/",
        {"code": "ISO-C1", "name": f"{m} Customer", "email": email, "credit_limit": "1000000", "notes": m, **address},
    )
    carrier = api.post("carriers/", {"code": "ISO-K1", "name": f"{m} Carrier", "email": email, **address})
    plant_ = api.post(
        "plants/",
        {"supplier": supplier["id"], "code": "ISO-P1", "name": f"{m} Plant", "establishment_number": "M1", **address},
    )
    api.post("contacts/", {"name": f"{m} Contact", "email": email, "supplier": supplier["id"]})
    ship_to = api.post(
        "locations/", {"code": "ISO-L1", "name": f"{m} Dock", "kind": "ship_to", "customer": customer["id"], **address}
    )
    product = api.post(
        "products/", {"code": "ISO-PR1", "description": f"{m} Brisket", "protein": "beef", "case_weight": "40.00"}
    )
    item = api.post(
        "compliance-items/", {"name": f"{m} HACCP review", "supplier": supplier["id"], "starts_on": later, "notes": m}
    )
    task = api.post("compliance-tasks/", {"item": item["id"], "name": f"{m} audit", "due_date": later})
    upload_evidence(api, task_id=task["id"], marker=m)
    line = {"product": product["id"], "cases": 10, "weight": "400.00"}
    order = api.post(
        "purchase-orders/",
        {
            "supplier": supplier["id"],
            "plant": plant_["id"],
            "carrier": carrier["id"],
            "pickup_date": day,
            "notes": m,
            "lines": [{**line, "unit_cost": "3.00"}],
        },
    )
    api.post(f"purchase-orders/{order['id']}/confirm/")
    sale = api.post(
        "sales-orders/",
        {
            "customer": customer["id"],
            "ship_to": ship_to["id"],
            "delivery_date": day,
            "notes": m,
            "lines": [{**line, "unit_price": "4.50"}],
        },
    )
    for verb in ("confirm", "ship", "deliver"):
        api.post(f"sales-orders/{sale['id']}/{verb}/")
    invoice = api.post("invoices/", {"sales_order": sale["id"]})
    api.post(f"invoices/{invoice['id']}/issue/")
    api.post(
        "payments/",
        {
            "kind": "receipt",
            "customer": customer["id"],
            "received_on": day,
            "amount": "100.00",
            "reference": m,
            "allocations": [{"invoice": invoice["id"], "amount": "100.00"}],
        },
    )
    api.post(
        "claims/",
        {"sales_line": sale["lines"][0]["id"], "reason": "quality", "amount": "10.00", "description": m},
    )


def upload_evidence(api: Api, *, task_id: int, marker: str) -> None:
    """A (minimal) PDF whose content names the marker: a file served to the wrong tenant is a leak too."""
    boundary = "isolation-" + secrets.token_hex(8)
    parts = [
        ("title", None, f"{marker} certificate".encode()),
        ("file", f"{marker}.pdf", f"%PDF-1.4\n% Certificate for {marker}\n%%EOF\n".encode()),
    ]
    body = b""
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        kind = "Content-Type: application/pdf\r\n" if filename else ""
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n{kind}\r\n".encode() + content + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    headers = {"Authorization": f"Bearer {api.token}", "Content-Type": f"multipart/form-data; boundary={boundary}"}
    path = f"/api/v1/compliance-tasks/{task_id}/evidence/"
    reply = api.transport.send("POST", path, host=api.host, headers=headers, body=body)
    if reply.status not in (200, 201):
        raise CanaryError(f"POST {path} on {api.host} answered {reply.status}: {reply.body[:300]!r}")


def find_marker(api: Api) -> str | None:
    """The marker of the canary world planted in this tenant, if any."""
    for supplier in api.results(f"suppliers/?q={PREFIX}"):
        found = MARKER.search(supplier.get("name", ""))
        if found:
            return found.group(0)
    return None


def discover(
    api: Api, *, label: str, extra_markers: Sequence[str] = (), extra_ids: Mapping[str, Sequence[int]] | None = None
) -> Canary:
    """The canary as the prober needs it: marker(s), search terms and the ids of its records by kind."""
    marker = find_marker(api)
    if marker is None:
        raise CanaryError(f"{api.host} has no canary data (run check_isolation once with --setup).")
    ids: dict[str, tuple[int, ...]] = {}
    for kind, path in API_LISTS.items():
        ids[kind] = tuple(record["id"] for record in api.results(f"{path}/"))
    versions = [
        version["id"]
        for task in ids["compliancetask"][:5]
        for evidence in api.results(f"compliance-tasks/{task}/evidence/")
        for version in evidence.get("versions", ())
    ]
    ids["evidenceversion"] = tuple(versions)
    for kind, values in (extra_ids or {}).items():
        ids[kind] = tuple(values)
    return Canary(
        label=label,
        host=api.host,
        markers=(marker, *extra_markers),
        search_terms=search_terms(marker),
        ids=ids,
    )
