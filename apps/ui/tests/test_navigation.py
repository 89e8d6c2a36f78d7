"""The grouped main navigation: groups, the current page, admin-only entries, and the no-JavaScript menu page."""

import pytest


def test_member_navigation_is_grouped_and_marks_the_current_page(tenant_a, client_for):
    text = client_for(tenant_a, tenant_a.staff).get("/suppliers/").text
    for group in ("Partners", "Trading", "Finance", "Compliance"):
        assert f"<summary>{group}</summary>" in text
    assert '<details class="nav-group active">\n        <summary>Partners</summary>' in text
    assert '<a href="/suppliers/" aria-current="page">Suppliers</a>' in text
    assert '<a href="/customers/">Customers</a>' in text
    assert "<summary>Admin</summary>" not in text  # staff cannot administer


def test_admins_get_the_admin_group(tenant_a, client_for):
    text = client_for(tenant_a, tenant_a.admin).get("/").text
    assert "<summary>Admin</summary>" in text
    assert '<a href="/" aria-current="page">Dashboard</a>' in text
    assert '<a href="/audit/">Audit log</a>' in text


@pytest.mark.parametrize("role", ["viewer", "owner"])
def test_menu_page_lists_every_destination_without_javascript(tenant_a, client_for, role):
    response = client_for(tenant_a, tenant_a.user(role)).get("/menu/")
    assert response.status_code == 200
    assert 'href="/invoices/"' in response.text and 'href="/compliance-tasks/"' in response.text
    assert ('href="/settings/"' in response.text) == (role == "owner")


def test_menu_page_refuses_outsiders_and_anonymous_visitors(tenant_a, client_for, outsider):
    assert client_for(tenant_a, outsider).get("/menu/").status_code == 403
    assert client_for(tenant_a).get("/menu/").status_code == 302


def test_every_page_links_a_favicon_and_the_search_box(tenant_a, client_for):
    text = client_for(tenant_a, tenant_a.viewer).get("/products/").text
    assert 'rel="icon"' in text and "favicon.svg" in text
    assert 'action="/search/"' in text and 'aria-keyshortcuts="/ Control+K"' in text


def test_login_page_offers_forgot_password(tenant_a, client_for):
    text = client_for(tenant_a).get("/login/").text
    assert 'href="/password-reset/"' in text and "Forgot password?" in text
