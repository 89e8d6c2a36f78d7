"""factory_boy factories for accounts (public schema): users, memberships and invitations of a tenant."""

import hashlib

import factory

from apps.accounts.models import Invitation, Membership, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Sequence(lambda n: f"Person {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    """A membership; pass `tenant=` (a Client)."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Membership.Role.VIEWER


class InvitationFactory(factory.django.DjangoModelFactory):
    """A pending invitation; pass `tenant=` (a Client). Only the token's hash is stored, as in the service."""

    class Meta:
        model = Invitation

    email = factory.Sequence(lambda n: f"invitee{n}@example.test")
    role = Membership.Role.VIEWER
    token_hash = factory.Sequence(lambda n: hashlib.sha256(f"invitation-{n}".encode()).hexdigest())
