import re

import pytest
from django.core import mail

from apps.accounts.services import invitation_create

TEST_PASSWORD_NEW = "brand-new-Secret-4711"
LINK = re.compile(r"https?://[^\s/]+(/\S+)")


def link_in_last_mail() -> str:
    """The first absolute link in the last e-mail sent."""
    match = LINK.search(mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(0)


def path_in_last_mail() -> str:
    return LINK.search(mail.outbox[-1].body).group(1)


@pytest.fixture(autouse=True)
def _forget_cached_memberships(world):
    """permissions.membership_for caches on the user object; the world's users live all session long."""
    for tenant_world in (world.a, world.b):
        for role in ("owner", "admin", "manager", "staff", "viewer"):
            tenant_world.user(role).__dict__.pop("_membership_cache", None)
    world.outsider.__dict__.pop("_membership_cache", None)


def fresh(user):
    """The user as stored now. Never refresh_from_db() the session-wide world users: later tests reuse them."""
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def invite():
    """`invite(world, email, role="staff", by=None)` → (invitation, token) through the real service."""

    def make(tenant_world, email: str, role: str = "staff", by=None):
        invitation = invitation_create(
            tenant=tenant_world.tenant, email=email, role=role, invited_by=by or tenant_world.admin
        )
        token = path_in_last_mail().rstrip("/").rsplit("/", 1)[-1]
        return invitation, token

    return make
