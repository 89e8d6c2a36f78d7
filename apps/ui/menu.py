"""The main navigation, declared once: the header, the no-JavaScript menu page and breadcrumbs read it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Link:
    label: str
    path: str
    prefixes: tuple[str, ...] = ()  # other paths that belong to this entry (for the active state)

    def matches(self, path: str) -> bool:
        if self.path == "/":
            return path == "/"
        return any(path.startswith(prefix) for prefix in (self.path, *self.prefixes))


@dataclass(frozen=True)
class Group:
    label: str
    links: tuple[Link, ...]
    admin_only: bool = False


DASHBOARD = Link("Dashboard", "/")
GROUPS: tuple[Group, ...] = (
    Group(
        "Partners",
        (
            Link("Suppliers", "/suppliers/"),
            Link("Customers", "/customers/"),
            Link("Plants", "/plants/"),
            Link("Carriers", "/carriers/"),
            Link("Locations", "/locations/"),
            Link("Contacts", "/contacts/"),
        ),
    ),
    Group(
        "Trading",
        (
            Link("Products", "/products/"),
            Link("Purchase orders", "/purchase-orders/"),
            Link("Sales orders", "/sales-orders/"),
            Link("Claims", "/claims/"),
        ),
    ),
    Group(
        "Finance",
        (Link("Invoices", "/invoices/"), Link("Payments", "/payments/"), Link("Reports", "/reports/")),
    ),
    Group(
        "Compliance",
        (
            Link("Overview", "/compliance/", ("/compliance/mine/", "/compliance/calendar/", "/compliance/evidence/")),
            Link("Items", "/compliance-items/"),
            Link("Tasks", "/compliance-tasks/"),
        ),
    ),
    Group(
        "Admin",
        (Link("Members", "/members/"), Link("Audit log", "/audit/"), Link("Settings", "/settings/")),
        admin_only=True,
    ),
)


def navigation(*, path: str, can_administer: bool) -> dict:
    """The groups this member sees, each link marked `current` when `path` is under it."""
    groups = []
    for group in GROUPS:
        if group.admin_only and not can_administer:
            continue
        links = [{"label": link.label, "url": link.path, "current": link.matches(path)} for link in group.links]
        groups.append({"label": group.label, "links": links, "active": any(link["current"] for link in links)})
    return {
        "dashboard": {"label": DASHBOARD.label, "url": DASHBOARD.path, "current": DASHBOARD.matches(path)},
        "groups": groups,
    }


def section_for(path: str) -> tuple[str, str] | None:
    """(group label, link label) of the navigation entry `path` is under, for breadcrumbs."""
    for group in GROUPS:
        for link in group.links:
            if link.matches(path):
                return group.label, link.label
    return None
