"""A real browser: a superuser opens an audited support session on alpha from the platform admin, sees the
banner on every page, ends it; alpha's owner then finds it, with its reason, in alpha's audit log."""

from __future__ import annotations

import pytest

from conftest import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

REASON = "Ticket 5150: the supplier list looks empty"


@pytest.fixture(scope="module")
def support_setup(world, django_db_blocker):
    """Committed (the live server sees only committed rows): a superuser with a one-time code, and alpha's
    owner allowing support access. Withdrawn afterwards so that other browser tests see alpha as before."""
    from django_otp.plugins.otp_static.models import StaticDevice

    from apps.accounts.models import User
    from apps.accounts.support import support_access_set

    with django_db_blocker.unblock():
        superuser = User.objects.create_superuser(email="support-browser@platform.test", password=TEST_PASSWORD)
        device = StaticDevice.objects.create(user=superuser, name="test-backup", confirmed=True)
        device.token_set.create(token="browser-code-1")
        support_access_set(tenant=world.a.tenant, actor=world.a.owner, hours=1)
    yield superuser
    with django_db_blocker.unblock():
        support_access_set(tenant=world.a.tenant, actor=world.a.owner, hours=None)


def test_support_session_shows_a_banner_everywhere_and_lands_in_the_tenants_audit_log(
    world, support_setup, browser, url_for, live_server_port, settings
):
    settings.LINK_PORT = str(live_server_port)  # the entry link points at the live server's port
    superuser = support_setup
    admin = browser.new_context().new_page()
    admin.set_default_timeout(10_000)
    admin.goto(url_for("localhost", "/admin/login/?next=/admin/support/start/"))
    admin.fill("input[name=username]", superuser.email)
    admin.fill("input[name=password]", TEST_PASSWORD)
    admin.fill("input[name=otp_token]", "browser-code-1")
    admin.locator("input[type=submit]").click()
    admin.wait_for_url("**/admin/support/start/")
    admin.select_option("select[name=tenant]", "alpha")
    admin.fill("input[name=user_email]", world.a.staff.email)
    admin.fill("textarea[name=reason]", REASON)
    admin.locator("#support-start").click()
    admin.locator("#support-continue").click()
    admin.wait_for_url("**/support/enter/**")
    assert admin.url.startswith(url_for(world.a, "/support/enter/"))
    admin.locator("#support-enter").click()
    admin.wait_for_url(url_for(world.a, "/"))
    for path in ("/", "/suppliers/"):
        admin.goto(url_for(world.a, path))
        banner = admin.locator("#support-banner")
        assert banner.is_visible(), path
        text = banner.inner_text()
        assert superuser.email in text and world.a.staff.email in text and "read-only" in text
    admin.locator("#support-end").click()
    assert "Support session ended." in admin.content()
    admin.goto(url_for(world.a, "/"))
    assert "/login/" in admin.url
    admin.context.close()

    owner = browser.new_context().new_page()
    owner.set_default_timeout(10_000)
    owner.goto(url_for(world.a, "/login/"))
    owner.get_by_label("E-mail").fill(world.a.owner.email)
    owner.get_by_label("Password").fill(TEST_PASSWORD)
    owner.get_by_role("button", name="Sign in").click()
    owner.wait_for_url(url_for(world.a, "/"))
    assert owner.locator("#support-banner").count() == 0
    owner.goto(url_for(world.a, "/audit/?action=support.start"))
    rows = owner.locator("table.audit-table tbody tr", has_text="support.start")
    assert rows.count() >= 1
    row = rows.first.inner_text()
    assert superuser.email in row and REASON in row
    owner.goto(url_for(world.a, "/settings/support/"))
    assert REASON in owner.content() and "Ended by the superuser" in owner.content()
    owner.context.close()
