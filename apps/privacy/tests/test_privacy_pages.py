"""Subject rights in the browser: admins export and erase a member or a contact; a member exports their own data."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from apps.accounts.models import Membership
from apps.accounts.services import membership_ensure, user_ensure
from apps.audit.models import AuditEvent
from apps.partners.models import Contact
from apps.partners.tests.factories import ContactFactory


def _membership(world, user) -> Membership:
    return Membership.objects.get(user=user, tenant=world.tenant)


@pytest.fixture
def leaver(tenant_a):
    user = user_ensure(email="leo.leaver@example.test", full_name="Leo Leaver")
    return membership_ensure(user=user, tenant=tenant_a.tenant, role="staff")


@pytest.fixture
def contact(tenant_a):
    with tenant_context(tenant_a.tenant):
        return ContactFactory(name="Cora Contact", email="cora@example.test", phone="+1 555 0100")


def _exports(world, object_id) -> int:
    with tenant_context(world.tenant):
        return AuditEvent.objects.filter(action="privacy.subject_export", object_id=str(object_id)).count()


def test_admin_exports_and_erases_a_member_from_the_browser(tenant_a, client_for, leaver):
    admin = client_for(tenant_a, tenant_a.admin)
    page = admin.get(f"/privacy/members/{leaver.pk}/")
    assert page.status_code == 200
    assert b"leo.leaver@example.test" in page.content and b'name="confirm"' in page.content
    download = admin.get(f"/privacy/members/{leaver.pk}/export/")
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    assert download.json()["account"] == {**download.json()["account"], "email": "leo.leaver@example.test"}
    assert _exports(tenant_a, leaver.user_id) == 1
    refused = admin.post(f"/privacy/members/{leaver.pk}/erase/", {"confirm": "yes"})
    assert refused.status_code == 400 and b"ERASE" in refused.content
    assert Membership.objects.filter(pk=leaver.pk).exists()
    erased = admin.post(f"/privacy/members/{leaver.pk}/erase/", {"confirm": "ERASE"})
    assert erased.status_code == 302 and erased["Location"] == "/members/"
    assert not Membership.objects.filter(pk=leaver.pk).exists()
    with tenant_context(tenant_a.tenant):
        assert AuditEvent.objects.filter(action="privacy.subject_erase", object_id=str(leaver.user_id)).exists()
    assert admin.get(f"/privacy/members/{leaver.pk}/").status_code == 404


def test_owners_and_oneself_are_not_offered_erasure(tenant_a, client_for):
    admin = client_for(tenant_a, tenant_a.admin)
    for user in (tenant_a.owner, tenant_a.admin):
        membership = _membership(tenant_a, user)
        assert b'name="confirm"' not in admin.get(f"/privacy/members/{membership.pk}/").content
        assert admin.post(f"/privacy/members/{membership.pk}/erase/", {"confirm": "ERASE"}).status_code == 400
        assert Membership.objects.filter(pk=membership.pk).exists()


@pytest.mark.parametrize("suffix", ["", "export/", "erase/"])
def test_member_pages_refuse_other_tenants_lower_roles_and_strangers(
    tenant_a, tenant_b, outsider, client_for, leaver, suffix
):
    def call(client, membership_id):
        url = f"/privacy/members/{membership_id}/{suffix}"
        return client.post(url, {"confirm": "ERASE"}) if suffix == "erase/" else client.get(url)

    beta_member = _membership(tenant_b, tenant_b.staff)
    # Another tenant's membership id is the same 404 as one that does not exist.
    assert call(client_for(tenant_a, tenant_a.admin), beta_member.pk).status_code == 404
    assert call(client_for(tenant_a, tenant_a.admin), 10**9).status_code == 404
    assert call(client_for(tenant_b, tenant_b.admin), leaver.pk).status_code == 404
    assert call(client_for(tenant_a, tenant_a.staff), leaver.pk).status_code == 403
    assert call(client_for(tenant_a, outsider), leaver.pk).status_code == 403
    assert call(client_for(tenant_a, tenant_b.admin, bound_to=tenant_b), leaver.pk).status_code == 302
    assert call(client_for(tenant_a), leaver.pk).status_code == 302
    assert Membership.objects.filter(pk=leaver.pk).exists()
    assert _exports(tenant_a, leaver.user_id) == 0


def test_a_member_downloads_their_own_data_only(tenant_a, client_for):
    viewer = client_for(tenant_a, tenant_a.viewer)
    assert b"Download my data" in viewer.get("/privacy/my-data/").content
    with CaptureQueriesContext(connection) as queries:
        own = viewer.get("/privacy/my-data/export/")
    assert own.status_code == 200 and own.json()["account"]["email"] == tenant_a.viewer.email
    assert len(queries) <= 20
    own_membership = _membership(tenant_a, tenant_a.viewer)
    assert viewer.get(f"/privacy/members/{own_membership.pk}/export/").status_code == 200
    staff_membership = _membership(tenant_a, tenant_a.staff)
    assert viewer.get(f"/privacy/members/{staff_membership.pk}/export/").status_code == 403
    assert viewer.get(f"/privacy/members/{own_membership.pk}/").status_code == 403  # the admin page
    assert _exports(tenant_a, tenant_a.viewer.pk) == 2


def test_admin_exports_and_erases_a_contact_from_the_browser(tenant_a, client_for, contact):
    admin = client_for(tenant_a, tenant_a.admin)
    assert b"/privacy/contacts/" in admin.get(f"/contacts/{contact.pk}/").content
    assert b"Cora Contact" in admin.get(f"/privacy/contacts/{contact.pk}/").content
    download = admin.get(f"/privacy/contacts/{contact.pk}/export/")
    assert download.json()["contact"]["email"] == "cora@example.test"
    assert admin.post(f"/privacy/contacts/{contact.pk}/erase/", {"confirm": ""}).status_code == 400
    erased = admin.post(f"/privacy/contacts/{contact.pk}/erase/", {"confirm": "ERASE"})
    assert erased.status_code == 302
    with tenant_context(tenant_a.tenant):
        assert Contact.objects.get(pk=contact.pk).email == ""
        assert AuditEvent.objects.filter(action="privacy.subject_erase", object_id=str(contact.pk)).exists()
    assert _exports(tenant_a, contact.pk) == 1


@pytest.mark.parametrize("suffix", ["", "export/", "erase/"])
def test_contact_pages_refuse_other_tenants_lower_roles_and_strangers(
    tenant_a, tenant_b, outsider, client_for, contact, suffix
):
    def call(client):
        url = f"/privacy/contacts/{contact.pk}/{suffix}"
        return client.post(url, {"confirm": "ERASE"}) if suffix == "erase/" else client.get(url)

    with tenant_context(tenant_b.tenant):
        assert not Contact.objects.filter(pk=contact.pk).exists()
    assert call(client_for(tenant_b, tenant_b.admin)).status_code == 404
    assert call(client_for(tenant_a, tenant_a.manager)).status_code == 403
    assert call(client_for(tenant_a, outsider)).status_code == 403
    assert call(client_for(tenant_a)).status_code == 302
    with tenant_context(tenant_a.tenant):
        assert Contact.objects.get(pk=contact.pk).email == "cora@example.test"
    assert _exports(tenant_a, contact.pk) == 0
