"""A real browser signs in on one tenant's host and never carries that session to another tenant."""

import pytest

from conftest import TEST_PASSWORD

# django_db makes pytest-django create the test database; the live server sees only committed rows.
pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def sign_in(page, url_for, tenant_world, user) -> None:
    page.goto(url_for(tenant_world, "/"))
    assert "/login/" in page.url
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(url_for(tenant_world, "/"))


def test_member_signs_in_and_sees_own_tenant_only(world, page, url_for):
    sign_in(page, url_for, world.a, world.a.owner)
    assert page.locator("h1").inner_text() == "Alpha Meats"
    assert "owner" in page.locator(".whoami").inner_text()
    assert "Beta Provisions" not in page.content()
    # The same browser on beta's host: alpha's session does not exist there.
    page.goto(url_for(world.b, "/"))
    assert "/login/" in page.url
    assert "Alpha Meats" not in page.content()


def test_outsider_cannot_sign_in(world, page, url_for):
    page.goto(url_for(world.a, "/login/"))
    page.get_by_label("E-mail").fill(world.outsider.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    assert "Enter a correct e-mail address and password." in page.content()
    page.goto(url_for(world.a, "/"))
    assert "/login/" in page.url


def test_unknown_host_shows_plain_not_found(world, page, url_for):
    response = page.goto(url_for("nosuch.localhost"))
    assert response.status == 404
    assert "Alpha Meats" not in page.content()
    assert "Beta Provisions" not in page.content()
