"""A real browser reaches each tenant by host name and never sees another tenant's site."""

import pytest

# django_db makes pytest-django create the test database; the live server sees only committed rows.
pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def test_tenant_host_shows_its_own_name(world, page, url_for):
    page.goto(url_for(world.a))
    assert page.locator("h1").inner_text() == "Alpha Meats"
    assert "Beta Provisions" not in page.content()


def test_unknown_host_shows_plain_not_found(world, page, url_for):
    response = page.goto(url_for("nosuch.localhost"))
    assert response.status == 404
    assert "Alpha Meats" not in page.content()
    assert "Beta Provisions" not in page.content()
