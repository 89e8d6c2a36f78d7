"""Every member-management page refuses anonymous visitors, outsiders and other tenants' members."""

import pytest

from apps.accounts.models import Membership


def _paths(tenant_world, invitation_id):
    membership_id = Membership.objects.get(user=tenant_world.viewer, tenant=tenant_world.tenant).pk
    return [
        ("get", "/members/"),
        ("get", "/members/invite/"),
        ("post", "/members/invite/"),
        ("get", f"/members/{membership_id}/"),
        ("post", f"/members/{membership_id}/role/"),
        ("get", f"/members/{membership_id}/deactivate/"),
        ("post", f"/members/{membership_id}/deactivate/"),
        ("post", f"/members/{membership_id}/reactivate/"),
        ("get", f"/members/invitations/{invitation_id}/revoke/"),
        ("post", f"/members/invitations/{invitation_id}/revoke/"),
    ]


@pytest.fixture
def alpha_paths(tenant_a, invite):
    invitation, _ = invite(tenant_a, "pending@example.test")
    return _paths(tenant_a, invitation.pk)


def test_anonymous_visitors_are_sent_to_login(tenant_a, client_for, alpha_paths):
    client = client_for(tenant_a)
    for method, path in alpha_paths:
        response = getattr(client, method)(path)
        assert response.status_code == 302, path
        assert response.url.startswith("/login/?next="), path


def test_outsider_and_beta_owner_are_refused_and_nothing_changes(tenant_a, tenant_b, outsider, client_for, alpha_paths):
    for user in (outsider, tenant_b.owner):
        client = client_for(tenant_a, user)
        for method, path in alpha_paths:
            assert getattr(client, method)(path, {"role": "owner", "email": "x@example.test"}).status_code == 403, path
    viewer = Membership.objects.get(user=tenant_a.viewer, tenant=tenant_a.tenant)
    assert (viewer.role, viewer.is_active) == ("viewer", True)


def test_alpha_admin_gets_404_for_every_beta_object(tenant_a, tenant_b, client_for, invite):
    invitation, _ = invite(tenant_b, "pending@example.test")
    client = client_for(tenant_a, tenant_a.owner)
    for method, path in _paths(tenant_b, invitation.pk)[3:]:
        assert getattr(client, method)(path, {"role": "owner"}).status_code == 404, path
    viewer = Membership.objects.get(user=tenant_b.viewer, tenant=tenant_b.tenant)
    assert (viewer.role, viewer.is_active) == ("viewer", True)
