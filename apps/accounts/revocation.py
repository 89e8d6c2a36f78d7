"""Ending a user's credentials at once: their API tokens and, optionally, every browser session.

Called by the services that change what a credential was issued against (password, two-factor,
membership) and by "sign out everywhere". A view that wants to keep the caller's own session calls
Django's update_session_auth_hash() afterwards.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import ApiToken, User


@transaction.atomic
def credentials_revoke(*, user: User, tenant=None, sessions: bool = True) -> int:
    """Revoke `user`'s usable API tokens (only `tenant`'s when given); with `sessions`, end every browser
    session by raising the user's session epoch. Returns how many tokens were revoked."""
    tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    if tenant is not None:
        tokens = tokens.filter(tenant_id=tenant.pk)
    revoked = tokens.update(revoked_at=timezone.now())
    if sessions:
        User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
        user.refresh_from_db(fields=["session_epoch"])
    return revoked
