"""`/account/password/`: a signed-in member changes their password (validators apply, audited)."""

from django_tenants.utils import tenant_context

from apps.audit.models import AuditEvent
from conftest import TEST_PASSWORD

from .conftest import TEST_PASSWORD_NEW, fresh


def _change(client, old=TEST_PASSWORD, new=TEST_PASSWORD_NEW, repeat=None):
    return client.post(
        "/account/password/", {"old_password": old, "new_password1": new, "new_password2": repeat or new}
    )


def test_member_changes_password_and_stays_signed_in(tenant_a, client_for):
    client = client_for(tenant_a, tenant_a.viewer)
    response = _change(client)
    assert response.status_code == 302
    assert fresh(tenant_a.viewer).check_password(TEST_PASSWORD_NEW)
    assert client.get("/").status_code == 200
    with tenant_context(tenant_a.tenant):
        assert AuditEvent.objects.filter(action="user.password_change", actor_email="viewer@alpha.test").exists()


def test_wrong_old_password_is_a_field_error(tenant_a, client_for):
    response = _change(client_for(tenant_a, tenant_a.viewer), old="wrong")
    assert response.status_code == 400
    assert "Your old password was entered incorrectly" in response.text


def test_weak_or_mismatched_new_password_is_refused(tenant_a, client_for):
    client = client_for(tenant_a, tenant_a.viewer)
    assert "too common" in _change(client, new="password").text
    assert "didn’t match" in _change(client, repeat="something-else-entirely-42").text
    assert fresh(tenant_a.viewer).check_password(TEST_PASSWORD)


def test_anonymous_and_outsider_cannot_open_the_page(tenant_a, outsider, client_for):
    assert client_for(tenant_a).get("/account/password/").status_code == 302
    assert client_for(tenant_a, outsider).get("/account/password/").status_code == 403
