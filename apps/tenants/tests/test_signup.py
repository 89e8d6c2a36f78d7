"""Self-service signup on the public host: the address is confirmed by e-mail before anything exists;
validation, bot guard, rate limit, welcome e-mail, the cap on workspaces per owner."""

import re
import time

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django_tenants.utils import schema_context
from procrastinate import testing
from procrastinate.contrib.django import app

from apps.accounts.models import Membership, User
from apps.audit.models import AuditEvent
from apps.tenants.forms import signup_started_token
from apps.tenants.models import Client, Domain
from apps.tenants.tasks import send_welcome_email
from conftest import TEST_PASSWORD

GOOD_PASSWORD = "tender-brisket-42-smoke"


@pytest.fixture
def queue():
    connector = testing.InMemoryConnector()
    with app.replace_connector(connector):
        yield connector


@pytest.fixture
def public(world, client_for):
    return client_for("localhost")


def _data(**overrides) -> dict:
    data = {
        "company_name": "Acme Foods",
        "subdomain": "acme-foods",
        "email": "founder@acme-foods.test",
        "website": "",
        "started": signup_started_token(time.time() - 30),
    }
    return {**data, **overrides}


def _tenant_count() -> int:
    return Client.objects.count()


def _confirm_path(message) -> str:
    match = re.search(r"https?://localhost(/signup/confirm/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def _sign_up(public, password: str | None = GOOD_PASSWORD, **overrides):
    """Fill the form, open the e-mailed link, confirm (with a password for a new address)."""
    mail.outbox.clear()
    sent = public.post("/signup/", _data(**overrides))
    assert sent.status_code == 200, sent.text
    (message,) = mail.outbox
    path = _confirm_path(message)
    assert public.get(path).status_code == 200
    return public.post(path, {"password": password} if password is not None else {})


def test_signup_page_offers_the_form_with_bot_guard_and_htmx(public):
    page = public.get("/signup/")
    assert page.status_code == 200
    assert 'name="started"' in page.text and 'name="website"' in page.text
    assert 'hx-get="/signup/check/"' in page.text and "vendor/htmx.min.js" in page.text


def test_signup_form_creates_nothing_and_mails_a_confirmation_link(public, queue):
    before = (_tenant_count(), User.objects.count())
    response = public.post("/signup/", _data(subdomain="Acme-Foods"))
    assert response.status_code == 200
    assert "Check your e-mail" in response.text
    assert (_tenant_count(), User.objects.count()) == before
    assert queue.jobs == {}
    (message,) = mail.outbox
    assert message.to == ["founder@acme-foods.test"]
    assert "/signup/confirm/" in message.body and "acme-foods.localhost" in message.body


def test_the_same_answer_whether_or_not_the_address_has_an_account(public, tenant_a, queue):
    new = public.post("/signup/", _data())
    known = public.post("/signup/", _data(email=tenant_a.viewer.email))
    assert new.status_code == known.status_code == 200
    main = re.compile(r"<main.*</main>", re.S)
    assert main.search(new.text).group(0).replace("founder@acme-foods.test", "X") == main.search(known.text).group(
        0
    ).replace(tenant_a.viewer.email, "X")
    assert len(mail.outbox) == 2


def test_a_confirmation_link_is_refused_when_forged_or_expired(public, queue):
    public.post("/signup/", _data())
    path = _confirm_path(mail.outbox[0])
    forged = path[:-3] + "xx/"
    assert public.get(forged).status_code == 400
    assert public.post(forged, {"password": GOOD_PASSWORD}).status_code == 400
    with time_machine.travel(time.time() + settings.SIGNUP_LINK_SECONDS + 60):
        expired = public.post(path, {"password": GOOD_PASSWORD})
    assert expired.status_code == 400
    assert "expired" in expired.text
    assert not Client.objects.filter(schema_name="acme_foods").exists()


def test_a_confirmation_link_works_once(public, queue):
    public.post("/signup/", _data())
    path = _confirm_path(mail.outbox[0])
    assert public.post(path, {"password": GOOD_PASSWORD}).status_code == 200
    again = public.post(path, {"password": GOOD_PASSWORD})
    assert again.status_code == 400
    assert "already taken" in again.text
    assert Client.objects.filter(schema_name="acme_foods").count() == 1


def test_signup_creates_tenant_domain_and_owner_and_queues_the_welcome_email(public, queue):
    response = _sign_up(public, subdomain="Acme-Foods")
    assert response.status_code == 200
    assert "https://acme-foods.localhost/login/" in response.text
    tenant = Client.objects.get(schema_name="acme_foods")
    assert tenant.name == "Acme Foods"
    domain = Domain.objects.get(tenant=tenant)
    assert (domain.domain, domain.is_primary, domain.is_verified) == ("acme-foods.localhost", True, True)
    owner = User.objects.get(email="founder@acme-foods.test")
    assert owner.check_password(GOOD_PASSWORD)
    assert Membership.objects.get(user=owner, tenant=tenant).role == "owner"
    with schema_context("public"):
        event = AuditEvent.objects.get(action="tenant.signup")
    assert (event.actor_id, event.object_id) == (owner.pk, str(tenant.pk))

    (job,) = queue.jobs.values()
    assert job["task_name"] == "tenants.send_welcome_email"
    assert job["args"] == {"schema_name": "acme_foods", "user_id": owner.pk}
    mail.outbox.clear()
    send_welcome_email.task(**job["args"])
    (message,) = mail.outbox
    assert message.to == ["founder@acme-foods.test"]
    assert "https://acme-foods.localhost/login/" in message.body
    assert "Acme Foods" in message.subject


@pytest.mark.parametrize(
    ("subdomain", "message"),
    [
        ("admin", "reserved"),
        ("www", "reserved"),
        ("signup", "reserved"),
        ("Bad_Name", "lower-case letters"),
        ("-abc", "lower-case letters"),
        ("abc-", "lower-case letters"),
        ("ab--c", "lower-case letters"),
        ("1abc", "lower-case letters"),
        ("a", "lower-case letters"),
        ("x" * 31, "at most 30 characters"),
        ("alpha", "already taken"),
        ("", "This field is required."),
    ],
)
def test_bad_subdomains_are_refused(public, queue, subdomain, message):
    before = _tenant_count()
    response = public.post("/signup/", _data(subdomain=subdomain))
    assert response.status_code == 400
    assert message in response.text
    assert _tenant_count() == before
    assert queue.jobs == {}


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("password", "too common"),
        ("12345678901", "entirely numeric"),
        ("Ab1!", "too short"),
        ("founder-acme-foods", "too similar"),
    ],
)
def test_weak_passwords_are_refused(public, password, message):
    response = _sign_up(public, password=password)
    assert response.status_code == 400
    assert message in response.text
    assert not User.objects.filter(email="founder@acme-foods.test").exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("company_name", "", "This field is required."),
        ("company_name", "   ", "This field is required."),
        ("email", "not-an-email", "Enter a valid email address."),
    ],
)
def test_missing_or_malformed_fields_are_form_errors(public, field, value, message):
    response = public.post("/signup/", _data(**{field: value}))
    assert response.status_code == 400
    assert message in response.text


def test_signup_form_never_checks_a_password(public, tenant_a, queue):
    """Before: signup took an existing account's password and checked it with check_password(), outside
    django-axes: a locked-out account's password could still be confirmed, and a right guess created a
    tenant owned by the victim. Now the form has no password and creates nothing."""
    response = public.post("/signup/", _data(email=tenant_a.viewer.email, password=TEST_PASSWORD))
    assert response.status_code == 200
    assert 'name="password"' not in public.get("/signup/").text
    assert not Client.objects.filter(schema_name="acme_foods").exists()
    (message,) = mail.outbox
    assert message.to == [tenant_a.viewer.email]  # only the mailbox's owner can go on


def test_existing_account_confirms_by_mail_types_no_password_and_signs_in_normally(public, tenant_a, queue, client_for):
    mail.outbox.clear()
    public.post("/signup/", _data(email=tenant_a.viewer.email))
    path = _confirm_path(mail.outbox[0])
    page = public.get(path)
    assert "already has a ProjectMeats account" in page.text
    assert 'name="password"' not in page.text
    response = public.post(path, {"password": "ignored-Pa55-word"})
    assert response.status_code == 200
    assert "/login/welcome/" not in response.text  # no password-free way in for an existing account
    assert "https://acme-foods.localhost/login/" in response.text
    tenant = Client.objects.get(schema_name="acme_foods")
    assert Membership.objects.get(user=tenant_a.viewer, tenant=tenant).role == "owner"
    assert Membership.objects.get(user=tenant_a.viewer, tenant=tenant_a.tenant).role == "viewer"
    tenant_a.viewer.refresh_from_db()
    assert tenant_a.viewer.check_password(TEST_PASSWORD)
    browser = client_for("acme-foods.localhost")
    signed_in = browser.post("/login/", {"email": tenant_a.viewer.email, "password": TEST_PASSWORD})
    assert signed_in.status_code == 302


def test_tenants_per_owner_are_capped(public, tenant_a, queue, settings):
    settings.SIGNUP_MAX_TENANTS_PER_OWNER = 1
    Membership.objects.filter(user=tenant_a.viewer, tenant=tenant_a.tenant).update(role="owner")
    response = _sign_up(public, password=None, email=tenant_a.viewer.email)
    assert response.status_code == 400
    assert "You already own 1 workspaces" in response.text
    assert not Client.objects.filter(schema_name="acme_foods").exists()


def test_bot_trap_is_hidden_without_the_stylesheet(public):
    page = public.get("/signup/").text
    trap = page[page.index('<div class="hp"') :]
    assert trap[: trap.index(">")].endswith("hidden")


def test_honeypot_refuses_the_submission(public, queue):
    before = _tenant_count()
    response = public.post("/signup/", _data(website="http://spam.example"))
    assert response.status_code == 400
    assert "could not be accepted" in response.text
    assert _tenant_count() == before


def test_a_form_submitted_too_fast_is_refused_and_can_be_resubmitted(public):
    response = public.post("/signup/", _data(started=signup_started_token()))
    assert response.status_code == 400
    assert "That was quick" in response.text
    assert not Client.objects.filter(schema_name="acme_foods").exists()
    assert 'name="started"' in response.text  # a fresh token to try again with


@pytest.mark.parametrize("started", ["", "forged", signup_started_token(time.time() - 30)[:-2] + "xx"])
def test_missing_or_forged_timing_token_is_refused(public, started):
    response = public.post("/signup/", _data(started=started))
    assert response.status_code == 400
    assert not Client.objects.filter(schema_name="acme_foods").exists()


def test_signups_are_rate_limited_per_ip(public, settings, client_for, queue):
    settings.SIGNUP_RATE_LIMIT = 2
    for _ in range(2):
        assert public.post("/signup/", _data(subdomain="admin")).status_code == 400
    limited = public.post("/signup/", _data())
    assert limited.status_code == 429
    assert 0 < int(limited["Retry-After"]) <= settings.SIGNUP_RATE_WINDOW_SECONDS
    assert "Too many sign-ups" in limited.text
    assert not Client.objects.filter(schema_name="acme_foods").exists()
    other_ip = client_for("localhost").post("/signup/", _data(), REMOTE_ADDR="203.0.113.9")
    assert other_ip.status_code == 200


def test_signup_can_be_switched_off(public, settings):
    settings.SIGNUP_ENABLED = False
    assert public.get("/signup/").status_code == 404
    assert public.post("/signup/", _data()).status_code == 404
    assert public.get("/signup/check/?subdomain=free").status_code == 404
    assert public.get("/signup/confirm/anything/").status_code == 404
    assert "/signup/" not in public.get("/").text
    assert not Client.objects.filter(schema_name="acme_foods").exists()


@pytest.mark.parametrize(
    ("subdomain", "expected"),
    [
        ("fresh-co", "fresh-co.localhost is available."),
        ("alpha", "alpha.localhost is already taken."),
        ("admin", "reserved"),
        ("bad_name", "lower-case letters"),
    ],
)
def test_availability_check_fragment(public, subdomain, expected):
    response = public.get("/signup/check/", {"subdomain": subdomain})
    assert response.status_code == 200
    assert expected in response.text
    assert "<html" not in response.text  # a fragment for HTMX to swap in


def test_signup_is_not_served_on_tenant_hosts(tenant_a, client_for):
    assert client_for(tenant_a, tenant_a.owner).get("/signup/").status_code == 404


def _welcome_path(response) -> str:
    match = re.search(r'href="https://acme-foods\.localhost(/login/welcome/[^"]+/)"', response.text)
    assert match, response.text
    return match.group(1)


def test_signup_confirmation_signs_the_owner_in_on_the_new_workspace_once(public, queue, client_for):
    path = _welcome_path(_sign_up(public, subdomain="Acme-Foods"))
    browser = client_for("acme-foods.localhost")
    response = browser.get(path)
    assert (response.status_code, response.url) == (302, "/")
    assert browser.get("/").status_code == 200
    assert client_for("acme-foods.localhost").get(path).status_code == 400  # used up: last_login moved


def test_signup_welcome_link_works_only_on_its_own_workspace(public, queue, tenant_a, client_for):
    path = _welcome_path(_sign_up(public, subdomain="Acme-Foods"))
    other = client_for(tenant_a)
    assert other.get(path).status_code == 400
    assert other.get("/").status_code == 302  # still anonymous there
    assert client_for(tenant_a).get("/login/welcome/not-a-token/").status_code == 400


def test_an_account_created_while_confirming_gets_a_form_message_not_a_500(public, queue, monkeypatch):
    """Before: the confirmation page saw no account and asked for a password; if an account for the address
    appeared before the workspace was created (an invitation accepted elsewhere meanwhile), tenant_signup
    raised ValueError: a 500. Now the page says what happened, nothing is created, and the link opened
    again offers the existing-account path."""
    from apps.tenants import signup as signup_module

    real_signup = signup_module._tenant_signup

    def account_appears_meanwhile(**kwargs):  # after the view and signup_confirm looked for an account
        User.objects.create_user(email="founder@acme-foods.test")
        return real_signup(**kwargs)

    mail.outbox.clear()
    public.post("/signup/", _data())
    path = _confirm_path(mail.outbox[0])
    assert 'name="password"' in public.get(path).text
    monkeypatch.setattr(signup_module, "_tenant_signup", account_appears_meanwhile)
    response = public.post(path, {"password": GOOD_PASSWORD})
    assert response.status_code == 400
    assert "was created while you were confirming" in response.text
    assert not Client.objects.filter(schema_name="acme_foods").exists()
    assert not User.objects.get(email="founder@acme-foods.test").check_password(GOOD_PASSWORD)
    monkeypatch.setattr(signup_module, "_tenant_signup", real_signup)
    again = public.get(path)
    assert "already has a ProjectMeats account" in again.text and 'name="password"' not in again.text
