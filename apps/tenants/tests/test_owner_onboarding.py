"""Owners created by `create_tenant` or the admin can sign in: they get an expiring, single-use
set-password link by e-mail (printed by the command when mail only goes to the console); re-running the
same `create_tenant` is a no-op (issue 15)."""

import re
import time
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command

from apps.accounts.models import User
from apps.tenants.models import Client
from conftest import TEST_PASSWORD

NEW_PASSWORD = "gamma-Owner-Pa55-word"
OPTIONS = {"schema": "gamma", "name": "Gamma Foods", "domain": "gamma.localhost", "owner_email": "boss@gamma.test"}
LINK = re.compile(r"https?://gamma\.localhost(/password-reset/welcome/\S+/)")


def _create(**overrides) -> str:
    out = StringIO()
    call_command("create_tenant", stdout=out, **{**OPTIONS, **overrides})
    return out.getvalue()


def _mailed_path() -> str:
    match = LINK.search(mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


def _set_password(client, path: str, password: str = NEW_PASSWORD):
    page = client.get(path, follow=True)
    assert page.status_code == 200 and 'name="new_password1"' in page.text, page.text
    return client.post(page.redirect_chain[-1][0], {"new_password1": password, "new_password2": password})


def test_new_owner_gets_a_set_password_link_and_can_sign_in(world, db, client_for):
    """Before: an unusable password, no mail, and the reset form skipped such users: no way in."""
    mail.outbox.clear()
    _create()
    (message,) = mail.outbox
    assert message.to == ["boss@gamma.test"] and "Gamma Foods" in message.subject
    client = client_for("gamma.localhost")
    assert _set_password(client, _mailed_path()).status_code == 302
    assert User.objects.get(email="boss@gamma.test").check_password(NEW_PASSWORD)
    signed_in = client_for("gamma.localhost").post("/login/", {"email": "boss@gamma.test", "password": NEW_PASSWORD})
    assert signed_in.status_code == 302


def test_the_link_works_once(world, db, client_for):
    mail.outbox.clear()
    _create()
    path = _mailed_path()
    assert _set_password(client_for("gamma.localhost"), path).status_code == 302
    again = client_for("gamma.localhost").get(path, follow=True)
    assert 'name="new_password1"' not in again.text


def test_the_link_expires(world, db, client_for, settings):
    mail.outbox.clear()
    _create()
    path = _mailed_path()
    with time_machine.travel(time.time() + settings.OWNER_ONBOARDING_SECONDS + 60):
        page = client_for("gamma.localhost").get(path, follow=True)
    assert 'name="new_password1"' not in page.text


def test_the_link_does_not_work_on_another_tenants_host(world, db, client_for, tenant_a):
    mail.outbox.clear()
    _create()
    page = client_for(tenant_a).get(_mailed_path(), follow=True)
    assert 'name="new_password1"' not in page.text


def test_the_command_prints_the_link_when_mail_only_goes_to_the_console(world, db, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    out = _create()
    assert LINK.search(out), out


def test_an_existing_account_is_told_and_keeps_its_password(world, db, tenant_a):
    mail.outbox.clear()
    _create(owner_email=tenant_a.viewer.email)
    (message,) = mail.outbox
    assert "/password-reset/welcome/" not in message.body
    assert "http://gamma.localhost/login/" in message.body
    assert User.objects.get(pk=tenant_a.viewer.pk).check_password(TEST_PASSWORD)


def test_admin_add_tenant_mails_the_owner_too(world, db, admin_client_for):
    root = User.objects.create_superuser(email="root@platform.test", password="unused-Pa55word!")
    mail.outbox.clear()
    data = {**OPTIONS, "schema_name": OPTIONS["schema"], "plan": "starter"}
    assert admin_client_for(root).post("/admin/tenants/client/add/", data).status_code == 302
    assert LINK.search(mail.outbox[-1].body)
    assert "password reset" not in admin_client_for(root).get("/admin/tenants/client/add/").text


def test_the_same_create_tenant_again_reports_that_it_exists(world, db):
    _create()
    out = _create()
    assert "exists" in out
    assert Client.objects.filter(schema_name="gamma").count() == 1


@pytest.mark.parametrize(
    "overrides", [{"name": "Other Name"}, {"domain": "other.localhost"}, {"owner_email": "x@gamma.test"}]
)
def test_create_tenant_with_different_arguments_for_an_existing_schema_fails_in_one_line(world, db, overrides):
    _create()
    with pytest.raises(CommandError, match="already exists") as excinfo:
        _create(**overrides)
    assert "\n" not in str(excinfo.value)


def test_an_owner_who_lost_the_link_can_use_forgot_password(world, db, client_for):
    """Before: the reset form skipped accounts with unusable passwords (0 mails sent)."""
    _create()
    mail.outbox.clear()
    client_for("gamma.localhost").post("/password-reset/", {"email": "boss@gamma.test"})
    (message,) = mail.outbox
    assert "http://gamma.localhost/password-reset/confirm/" in message.body
