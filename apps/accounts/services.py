"""Writes about users and memberships."""

from __future__ import annotations

from django.db import transaction

from .models import Membership, User


@transaction.atomic
def user_ensure(*, email: str, password: str | None = None, full_name: str = "") -> User:
    """Return the user with this e-mail, creating it (with an unusable password unless given)."""
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password, full_name=full_name)
    return user


@transaction.atomic
def membership_ensure(*, user: User, tenant, role: str) -> Membership:
    """Give `user` an active membership in `tenant` with `role`, creating or updating it."""
    membership, created = Membership.objects.get_or_create(user=user, tenant=tenant, defaults={"role": role})
    if not created and (membership.role != role or not membership.is_active):
        membership.role = role
        membership.is_active = True
        membership.save(update_fields=["role", "is_active", "updated_at"])
    return membership
