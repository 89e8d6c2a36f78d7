"""Password reset on tenant hosts: links from the tenant's primary domain, single-use, 30-minute expiry."""

from datetime import timedelta

import time_machine
from django.core import mail
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.accounts.models import Membership
from apps.audit.models import AuditEvent
from apps.tenants.models import Domain

from .conftest import TEST_PASSWORD_NEW, fresh, link_in_last_mail


def _ask(client, email: str):
    return client.post("/password-reset/", {"email": email})


def _choose(client, path: str, password: str = TEST_PASSWORD_NEW):
    """Open the mailed link (Django swaps the token into the session) and set a new password."""
    response = client.get(path)
    if response.status_code != 302:
        return response
    return client.post(response.url, {"new_password1": password, "new_password2": password})


def test_member_gets_a_link_on_the_tenants_primary_domain_even_via_another_host(tenant_a, client_for):
    Domain.objects.create(domain="alpha-alias.localhost", tenant=tenant_a.tenant, is_primary=False, is_verified=True)
    response = _ask(client_for("alpha-alias.localhost"), "Staff@Alpha.test")
    assert response.status_code == 302
    assert response.url == "/password-reset/done/"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["staff@alpha.test"]
    assert "Alpha Meats" in mail.outbox[0].subject
    assert link_in_last_mail().startswith("http://alpha.localhost/password-reset/confirm/")


def test_unknown_address_gets_the_same_answer_and_no_mail(tenant_a, client_for):
    response = _ask(client_for(tenant_a), "nobody@nowhere.test")
    assert response.status_code == 302
    assert response.url == "/password-reset/done/"
    assert mail.outbox == []


def test_member_of_another_tenant_or_outsider_gets_no_mail(tenant_a, tenant_b, outsider, client_for):
    _ask(client_for(tenant_a), tenant_b.staff.email)
    _ask(client_for(tenant_a), outsider.email)
    assert mail.outbox == []


def test_deactivated_member_gets_no_mail(tenant_a, client_for):
    Membership.objects.filter(user=tenant_a.staff, tenant=tenant_a.tenant).update(is_active=False)
    _ask(client_for(tenant_a), tenant_a.staff.email)
    assert mail.outbox == []


def test_malformed_email_is_a_form_error(tenant_a, client_for):
    response = _ask(client_for(tenant_a), "not-an-address")
    assert response.status_code == 400
    assert "Enter a valid email address." in response.text


def test_link_sets_the_password_once_and_is_audited(tenant_a, client_for):
    _ask(client_for(tenant_a), tenant_a.staff.email)
    path = link_in_last_mail().removeprefix("http://alpha.localhost")
    client = client_for(tenant_a)
    response = _choose(client, path)
    assert response.status_code == 302
    assert response.url == "/password-reset/complete/"
    assert fresh(tenant_a.staff).check_password(TEST_PASSWORD_NEW)
    with tenant_context(tenant_a.tenant):
        event = AuditEvent.objects.get(action="user.password_reset")
    assert event.actor_email == "staff@alpha.test"

    reused = client_for(tenant_a).get(path, follow=True)
    assert "This link cannot be used" in reused.text
    assert "new_password1" not in reused.text


def test_link_expires_after_thirty_minutes(tenant_a, client_for):
    _ask(client_for(tenant_a), tenant_a.staff.email)
    path = link_in_last_mail().removeprefix("http://alpha.localhost")
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        response = client_for(tenant_a).get(path, follow=True)
    assert "This link cannot be used" in response.text
    assert not fresh(tenant_a.staff).check_password(TEST_PASSWORD_NEW)


def test_link_is_still_valid_before_thirty_minutes(tenant_a, client_for):
    _ask(client_for(tenant_a), tenant_a.staff.email)
    path = link_in_last_mail().removeprefix("http://alpha.localhost")
    with time_machine.travel(timezone.now() + timedelta(minutes=29)):
        assert _choose(client_for(tenant_a), path).status_code == 302
    assert fresh(tenant_a.staff).check_password(TEST_PASSWORD_NEW)


def test_alphas_link_does_not_work_on_betas_host(tenant_a, tenant_b, client_for):
    _ask(client_for(tenant_a), tenant_a.staff.email)
    path = link_in_last_mail().removeprefix("http://alpha.localhost")
    response = client_for(tenant_b).get(path, follow=True)
    assert "This link cannot be used" in response.text


def test_weak_new_password_is_refused_with_field_errors(tenant_a, client_for):
    _ask(client_for(tenant_a), tenant_a.staff.email)
    path = link_in_last_mail().removeprefix("http://alpha.localhost")
    response = _choose(client_for(tenant_a), path, password="12345")
    assert response.status_code == 400
    assert "This password is too short" in response.text
