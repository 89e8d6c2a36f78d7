"""API smoke: read and write every business resource through /api/v1/ as a signed-in manager would.

Two uses. In the test suite (`tests/test_api_smoke.py`) it runs against the session's tenant. In the
old-code/new-schema check (`tests/test_old_code_new_schema.py`) it runs as a script from a checkout of
the *previous* commit, against a database that commit built and this commit's `pre` migrations then
changed — the promise that the release still running survives the expand stage, tested:

    DATABASE_URL=... DJANGO_SETTINGS_MODULE=projectmeats.settings.test python tests/api_smoke.py prepare
    (new code) manage.py migrate_schemas --shared --stage pre && ... --tenant --stage pre
    DATABASE_URL=... DJANGO_SETTINGS_MODULE=projectmeats.settings.test python tests/api_smoke.py run

`prepare` migrates the database and creates the tenant `smoke` with a manager; `run` exercises the API
and prints one line per resource; any failure exits 1 naming the request and its answer.
"""

from __future__ import annotations

import sys
from pathlib import Path

SCHEMA, DOMAIN, EMAIL, PASSWORD = "smoke", "smoke.localhost", "manager@smoke.test", "smoke-test-password-1"


class SmokeFailure(AssertionError):
    pass


def _call(client, method: str, path: str, expect: int, body: dict | None = None) -> dict:
    if method == "get":
        response = client.get(f"/api/v1/{path}", body or {})
    else:
        response = getattr(client, method)(f"/api/v1/{path}", body or {}, content_type="application/json")
    if response.status_code != expect:
        raise SmokeFailure(
            f"{method.upper()} /api/v1/{path} answered {response.status_code}: {response.content[:300]!r}"
        )
    return response.json() if response.content else {}


def smoke(client, *, token: str, out=print) -> None:
    """Every business resource: create (or act), list, detail, update; reports. Raises SmokeFailure."""
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"

    def crud(resource: str, create: dict, change: dict) -> dict:
        made = _call(client, "post", f"{resource}/", 201, create)
        listed = _call(client, "get", f"{resource}/", 200)
        if not any(row["id"] == made["id"] for row in listed["results"]):
            raise SmokeFailure(f"GET /api/v1/{resource}/ does not list the record just created")
        _call(client, "get", f"{resource}/{made['id']}/", 200)
        updated = _call(client, "patch", f"{resource}/{made['id']}/", 200, change)
        out(f"api smoke: {resource}: create, list, detail, update OK")
        return updated

    supplier = crud("suppliers", {"code": "SMK-S", "name": "Smoke Supplier"}, {"city": "Omaha"})
    plant = crud(
        "plants",
        {"supplier": supplier["id"], "code": "SMK-P", "name": "Smoke Plant", "establishment_number": "M123"},
        {"city": "Omaha"},
    )
    customer = crud(
        "customers", {"code": "SMK-C", "name": "Smoke Customer", "credit_limit": "100000"}, {"city": "Denver"}
    )
    ship_to = crud(
        "locations",
        {"code": "SMK-L", "name": "Smoke Dock", "kind": "ship_to", "customer": customer["id"]},
        {"receiving_hours": "6-14"},
    )
    carrier = crud("carriers", {"code": "SMK-T", "name": "Smoke Trucking", "mc_number": "123456"}, {"city": "Reno"})
    crud("contacts", {"name": "Sam Smoke", "carrier": carrier["id"]}, {"title": "Dispatch"})
    product = crud(
        "products",
        {"code": "SMK-189A", "description": "Smoke tenderloin", "protein": "beef", "case_weight": "60"},
        {"storage": "frozen"},
    )
    item = crud(
        "compliance-items",
        {"name": "Smoke audit", "supplier": supplier["id"], "starts_on": "2026-12-01", "recurrence": "FREQ=YEARLY"},
        {"notes": "annual"},
    )
    task = crud(
        "compliance-tasks",
        {"item": item["id"], "name": "Smoke audit 2026", "due_date": "2026-12-20"},
        {"name": "Audit"},
    )
    _call(client, "post", f"compliance-tasks/{task['id']}/transition/", 200, {"status": "in_review", "note": "done"})

    purchase = crud(
        "purchase-orders",
        {
            "supplier": supplier["id"],
            "plant": plant["id"],
            "carrier": carrier["id"],
            "pickup_date": "2026-12-01",
            "lines": [{"product": product["id"], "cases": 10, "weight": "600.00", "unit_cost": "3.0000"}],
        },
        {"pickup_date": "2026-12-02"},
    )
    _call(client, "post", f"purchase-orders/{purchase['id']}/confirm/", 200)
    sale = crud(
        "sales-orders",
        {
            "customer": customer["id"],
            "ship_to": ship_to["id"],
            "delivery_date": "2026-12-05",
            "lines": [
                {
                    "product": product["id"],
                    "source": purchase["lines"][0]["id"],
                    "cases": 4,
                    "weight": "240",
                    "unit_price": "5.0000",
                }
            ],
        },
        {"delivery_date": "2026-12-06"},
    )
    for action in ("confirm", "ship", "deliver"):
        _call(client, "post", f"sales-orders/{sale['id']}/{action}/", 200)
    out("api smoke: purchase and sales orders: confirm, ship, deliver OK")

    invoice = _call(client, "post", "invoices/", 201, {"sales_order": sale["id"]})
    _call(client, "post", f"invoices/{invoice['id']}/issue/", 200, {"issued_on": "2026-12-06"})
    _call(client, "get", "invoices/", 200)
    _call(client, "get", f"invoices/{invoice['id']}/", 200)
    out("api smoke: invoices: create, issue, list, detail OK")
    payment = _call(
        client,
        "post",
        "payments/",
        201,
        {
            "kind": "receipt",
            "customer": customer["id"],
            "received_on": "2026-12-07",
            "amount": "100.00",
            "allocations": [{"invoice": invoice["id"], "amount": "100.00"}],
        },
    )
    _call(client, "get", "payments/", 200)
    _call(client, "get", f"payments/{payment['id']}/", 200)
    out("api smoke: payments: create, list, detail OK")
    sold_line = _call(client, "get", f"sales-orders/{sale['id']}/", 200)["lines"][0]
    claim = _call(client, "post", "claims/", 201, {"sales_line": sold_line["id"], "reason": "damage", "amount": "10"})
    _call(client, "post", f"claims/{claim['id']}/approve/", 200)
    _call(client, "get", "claims/", 200)
    out("api smoke: claims: create, approve, list OK")
    for report in ("ar-aging", "payables-due", "margin", "open-orders"):
        _call(client, "get", f"reports/{report}/", 200)
    out("api smoke: reports OK")


def _setup() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()


def prepare() -> None:
    from django.core.management import call_command

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    call_command("create_super_tenant", no_input=True, verbosity=0)
    call_command("migrate_schemas", tenant=True, interactive=False, verbosity=0)
    from apps.accounts.models import Membership
    from apps.accounts.services import membership_ensure, user_ensure
    from apps.tenants.services import tenant_create

    tenant = tenant_create(schema_name=SCHEMA, name="Smoke Meats", domain=DOMAIN, owner_email="owner@smoke.test")
    manager = user_ensure(email=EMAIL, full_name="Smoke Manager")
    manager.set_password(PASSWORD)
    manager.save()
    membership_ensure(user=manager, tenant=tenant, role=Membership.Role.MANAGER)
    print(f"api smoke: tenant {SCHEMA} ready")


def run() -> None:
    from django.test import Client

    client = Client(HTTP_HOST=DOMAIN)
    answer = client.post("/api/v1/auth/token/", {"email": EMAIL, "password": PASSWORD}, content_type="application/json")
    if answer.status_code != 201:
        raise SmokeFailure(f"POST /api/v1/auth/token/ answered {answer.status_code}: {answer.content[:300]!r}")
    smoke(client, token=answer.json()["token"])


if __name__ == "__main__":
    step = sys.argv[1] if len(sys.argv) > 1 else ""
    if step not in ("prepare", "run"):
        print("usage: api_smoke.py prepare|run", file=sys.stderr)
        sys.exit(2)
    _setup()
    try:
        prepare() if step == "prepare" else run()
    except SmokeFailure as exc:
        print(f"api smoke FAILED: {exc}", file=sys.stderr)
        sys.exit(1)
