"""Every inline <style> and <script> carries the response's CSP nonce (else the browser drops it: pages lost
their styles and Swagger UI was blank), and no element uses a style="" attribute (blocked the same way)."""

import re

import pytest
from django.test import Client as DjangoClient

TENANT_PAGES = [
    "/",
    "/suppliers/",
    "/suppliers/new/",
    "/purchase-orders/new/",
    "/sales-orders/new/",
    "/invoices/",
    "/reports/ar-aging/",
    "/compliance/",
    "/compliance/calendar/",
    "/members/",
    "/audit/",
    "/settings/",
    "/settings/branding/",
    "/settings/domains/",
    "/settings/plan/",
    "/account/password/",
    "/account/mfa/",
    "/search/?q=a",
    "/menu/",
    "/api/v1/docs/",
]
INLINE = re.compile(r"<(style|script)\b([^>]*)>", re.I)


def _problems(response) -> list[str]:
    header = response.headers.get("Content-Security-Policy", "")
    nonce = re.search(r"'nonce-([^']+)'", header)
    problems = []
    for tag, attrs in INLINE.findall(response.content.decode()):
        if tag.lower() == "script" and "src=" in attrs:
            continue  # external scripts are allowed by script-src 'self'
        if not nonce or f'nonce="{nonce.group(1)}"' not in attrs:
            problems.append(f"<{tag}{attrs}> without the response's nonce")
    if re.search(r'<[a-z][^>]*\sstyle="', response.content.decode(), re.I):
        problems.append('an element with a style="" attribute')
    return problems


@pytest.mark.parametrize("path", TENANT_PAGES)
def test_tenant_pages_inline_styles_and_scripts_carry_the_nonce(tenant_a, client_for, path):
    response = client_for(tenant_a, tenant_a.owner).get(path)
    assert response.status_code == 200
    assert not _problems(response), _problems(response)


@pytest.mark.parametrize("path", ["/", "/signup/"])
def test_public_pages_inline_styles_carry_the_nonce(world, db, path):
    response = DjangoClient(HTTP_HOST="localhost").get(path)
    assert response.status_code == 200
    assert not _problems(response), _problems(response)


def test_landing_page_title_is_plain_text(world, db):
    text = DjangoClient(HTTP_HOST="localhost").get("/").content.decode()
    assert "<title>ProjectMeats</title>" in text


def test_swagger_ui_script_is_served_from_our_origin(tenant_a, client_for):
    client = client_for(tenant_a, tenant_a.owner)
    page = client.get("/api/v1/docs/").content.decode()
    script = re.search(r'<script src="(/api/v1/docs/\?[^"]*script[^"]*)"', page)
    assert script, page
    response = client.get(script.group(1).replace("&amp;", "&"))
    assert response.status_code == 200 and "SwaggerUIBundle" in response.content.decode()
