"""The navigation shell on tenant hosts: who is signed in, with which role, and what they may open."""

import pytest


def test_admin_sees_email_role_members_link_and_logout(tenant_a, client_for):
    text = client_for(tenant_a, tenant_a.admin).get("/").text
    assert "admin@alpha.test · Admin" in text
    assert 'href="/members/"' in text
    assert 'href="/account/password/"' in text
    assert '<form class="logout" method="post" action="/logout/">' in text
    assert "csrfmiddlewaretoken" in text


@pytest.mark.parametrize("role", ["manager", "staff", "viewer"])
def test_roles_below_admin_do_not_see_the_members_link(tenant_a, client_for, role):
    text = client_for(tenant_a, tenant_a.user(role)).get("/").text
    assert f"{role}@alpha.test · {role.title()}" in text
    assert 'href="/members/"' not in text


def test_anonymous_pages_have_no_member_navigation(tenant_a, client_for):
    text = client_for(tenant_a).get("/password-reset/").text
    assert 'action="/logout/"' not in text
    assert 'href="/members/"' not in text
