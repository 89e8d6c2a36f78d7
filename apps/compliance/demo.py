"""Demo compliance data for the seed_demo tenants: items on plants, carriers, suppliers and the company
with tasks in every RAG state (red, amber, green, done). Written through the services as the owner;
idempotent (items whose name exists are left alone)."""

from __future__ import annotations

import datetime

from django_tenants.utils import tenant_context

from apps.accounts.models import User
from apps.partners.models import Carrier, Plant, Supplier
from backend.clock import tenant_today

from . import services
from .models import ComplianceItem, ComplianceTask

# (name, category, partner kind, partner code, recurrence, lead days, due offset from today, final status)
ITEMS = {
    "acme": [
        ("BRC audit — Dakota City", "plant_audit", "plant", "HVB-DC", "FREQ=YEARLY", 30, -6, "open"),
        ("Cargo insurance — Reefer Express", "insurance", "carrier", "RFX", "FREQ=YEARLY", 21, 9, "open"),
        ("SQF certificate — Prairie Land Pork", "certificate", "supplier", "PLP", "FREQ=YEARLY", 30, 75, "open"),
        ("HACCP plan review", "other", "", "", "FREQ=MONTHLY;INTERVAL=6", 14, -2, "done"),
    ],
    "globex": [
        ("Third-party audit — Gainesville", "plant_audit", "plant", "BRF-GV", "FREQ=YEARLY", 30, -3, "open"),
        ("Cargo insurance — Desert Freight", "insurance", "carrier", "DSF", "FREQ=YEARLY", 30, 12, "open"),
        ("State meat broker licence", "licence", "", "", "FREQ=YEARLY", 30, 120, "open"),
        ("Supplier letter of guarantee — Pacific", "certificate", "carrier", "PCR", "", 14, -10, "done"),
    ],
}
PARTNERS = {"plant": Plant, "carrier": Carrier, "supplier": Supplier}


def seed_demo_compliance(*, tenant, owner_email: str, staff_email: str = "") -> None:
    """Fill `tenant` with its demo compliance items and tasks; safe to call again."""
    book = tenant.schema_name
    if book not in ITEMS:
        return
    owner = User.objects.get(email=owner_email)
    staff = User.objects.filter(email=staff_email).first() if staff_email else None
    assignee = (staff or owner).pk
    with tenant_context(tenant):
        today = tenant_today()
        for name, category, kind, code, rule, lead, offset, status in ITEMS[book]:
            if ComplianceItem.objects.filter(name=name).exists():
                continue
            partner = PARTNERS[kind].objects.filter(code=code).first() if kind else None
            if kind and partner is None:
                continue
            due = today + datetime.timedelta(days=offset)
            data = {
                "name": name,
                "category": category,
                "owner_id": owner.pk,
                "starts_on": due,
                "recurrence": rule,
                "lead_time_days": lead,
                "rotation": [assignee],
            }
            if partner is not None:
                data[kind] = partner
            item = services.complianceitem_create(user=owner, data=data)
            task = services.compliancetask_create(
                user=owner,
                data={
                    "item": item,
                    "name": name[:100],
                    "due_date": due,
                    "lead_time_days": lead,
                    "assignee_id": assignee,
                },
            )
            if status == ComplianceTask.Status.DONE:
                services.compliancetask_transition(user=owner, task=task, to_status=ComplianceTask.Status.IN_REVIEW)
                services.compliancetask_transition(user=owner, task=task, to_status=ComplianceTask.Status.DONE)
