"""Design-system template tags: `{% load ui %}` then

- `{{ amount|money }}` — "$34,286.11" in the tenant's currency and locale (`|money:"EUR"` for another);
- `{{ value|number }}` / `{{ value|number:2 }}` — "13,328" / "650.00" with the locale's separators;
- `{% status_badge record %}` — the record's status as a coloured badge (same colours everywhere);
- `{% brand_css tenant %}` — the CSS variables of the tenant's colours, text colour chosen for contrast;
- `{% breadcrumbs "Suppliers" list_url %}` — Dashboard › group › list back links;
- `{% empty_state "No suppliers yet." action_url "New supplier" %}` — an empty list with a next step.
"""

from __future__ import annotations

from django import template
from django.db import connection
from django.template.loader import render_to_string
from django.utils.html import format_html

from backend.colors import readable_link, text_on
from backend.formatting import money as format_money
from backend.formatting import number as format_number
from backend.formatting import tenant_locale

from ..badges import badge_for
from ..menu import section_for

register = template.Library()


def _tenant():
    tenant = getattr(connection, "tenant", None)
    return tenant if getattr(tenant, "schema_name", "public") != "public" else None


@register.filter
def money(value, currency: str = "") -> str:
    tenant = _tenant()
    return format_money(value, currency or getattr(tenant, "currency", "") or "USD", tenant_locale())


@register.filter
def number(value, places=None) -> str:
    return format_number(value, tenant_locale(), places=None if places in (None, "") else int(places))


@register.simple_tag
def status_badge(record, status: str = "", label: str = "") -> str:
    """`record` with `status`/`get_status_display` (invoices also show "Overdue"), or explicit status+label."""
    tone, text = badge_for(record, status=status, label=label)
    return format_html(
        '<span class="badge badge-{}" data-status="{}">{}</span>', tone, status or getattr(record, "status", ""), text
    )


@register.simple_tag
def brand_css(tenant) -> str:
    primary = getattr(tenant, "primary_color", "") or "#0f766e"
    secondary = getattr(tenant, "secondary_color", "") or "#1d4ed8"
    return format_html(
        ":root {{ --brand: {}; --brand-text: {}; --link: {}; --primary-color: {}; --secondary-color: {}; }}",
        primary,
        text_on(primary),
        readable_link(secondary),
        primary,
        secondary,
    )


@register.simple_tag(takes_context=True)
def breadcrumbs(context, label: str = "", url: str = "") -> str:
    """Dashboard › <nav group> › <label linked to url>; the current page is the h1 below it."""
    request = context.get("request")
    crumbs = [("Dashboard", "/")]
    section = section_for(url or (request.path if request else ""))
    if section and section[0] != label:
        crumbs.append((section[0], ""))
    if label:
        crumbs.append((label, url))
    return render_to_string("partials/breadcrumbs.html", {"crumbs": crumbs})


@register.inclusion_tag("partials/empty_state.html")
def empty_state(title: str, action_url: str = "", action_label: str = "", hint: str = "") -> dict:
    return {"title": title, "action_url": action_url, "action_label": action_label, "hint": hint}
