"""Data-subject rights inside one tenant: export everything held about a person, erase a contact.

A subject is a contact (partners.Contact) or a member (a user with a membership here). Every export and
erasure is itself audited, without the person's values. Erasure anonymises the contact's personal fields
(the business records pointing at it stay valid), and destroys the person's subject key, so the values
sealed in the audit log (apps.privacy.subjects) become unreadable while the hash chain still verifies.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.db.models import Q

from apps.accounts.models import Membership
from apps.accounts.permissions import Capability, require_capability
from apps.audit.models import AuditEvent
from apps.audit.services import audit_record
from apps.partners.models import Contact
from apps.partners.selectors import get_contact_for_user
from backend.clock import now as clock_now
from backend.exceptions import ApplicationError

from .subjects import ERASED, USER_SUBJECT, destroy_subject_key, subject_of, unseal_changes

ERASE_CONFIRMATION = "ERASE"


def _event(event: AuditEvent, *, by_subject: bool = False) -> dict[str, Any]:
    """One audit event for a subject's export. Who acted and from where are the subject's own data only
    when they acted themself (`by_subject`); other people's e-mails and addresses are left out."""
    document = {
        "created_at": event.created_at.isoformat(),
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "changes": unseal_changes(event.changes, subject_type=event.object_type, subject_id=event.object_id),
    }
    if by_subject:
        document.update(actor_email=event.actor_email, ip_address=event.ip_address)
    return document


def contact_export(*, user, contact_id) -> dict[str, Any]:
    """Every personal field of one contact and the audit history about them (admins)."""
    require_capability(user=user, capability=Capability.ADMINISTER)
    contact = get_contact_for_user(user=user, pk=contact_id)
    subject_type, subject_id = subject_of(contact)
    partner = contact.partner
    events = AuditEvent.objects.filter(object_type=subject_type, object_id=subject_id).order_by("id")
    document = {
        "subject": {"type": subject_type, "id": contact.pk},
        "generated_at": clock_now().isoformat(),
        "contact": {
            **{field: getattr(contact, field) for field in Contact.PERSONAL_FIELDS},
            "company": {"type": partner._meta.label_lower, "id": partner.pk, "name": partner.name},
            "is_archived": contact.is_archived,
            "created_at": contact.created_at.isoformat(),
            "updated_at": contact.updated_at.isoformat(),
        },
        "audit_events": [_event(event) for event in events],
    }
    audit_record(action="privacy.subject_export", actor=user, target=contact, changes={})
    return document


def _membership(member_id) -> Membership:
    """The active tenant's membership of `member_id`; not found (404) for anyone who is not a member here."""
    try:
        member_pk = int(member_id)
    except (TypeError, ValueError):
        member_pk = None
    membership = (
        Membership.objects.select_related("user").filter(tenant_id=connection.tenant.pk, user_id=member_pk).first()
        if member_pk is not None
        else None
    )
    if membership is None:
        raise ApplicationError("Not found.", code="not_found")
    return membership


def _recipients_scrub(email: str) -> int:
    """Replace `email` in the recipients of e-mailed documents (their send history stays, without it)."""
    from apps.documents.models import DocumentSend

    if not email:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {DocumentSend._meta.db_table} SET recipients = ARRAY("  # noqa: S608
            "SELECT CASE WHEN lower(r) = lower(%s) THEN %s ELSE r END FROM unnest(recipients) AS r)"
            " WHERE EXISTS (SELECT 1 FROM unnest(recipients) AS r WHERE lower(r) = lower(%s))",
            [email, ERASED, email],
        )
        return cursor.rowcount


def member_export(*, user, member_id) -> dict[str, Any]:
    """What this tenant holds about one member: account, membership, what they did here (admins, or themself)."""
    if str(member_id) != str(user.pk):
        require_capability(user=user, capability=Capability.ADMINISTER)
    else:
        require_capability(user=user, capability=Capability.READ)
    from apps.accounts.models import ApiToken, Invitation

    membership = _membership(member_id)
    member = membership.user
    events = AuditEvent.objects.filter(actor_id=member.pk).order_by("id")
    about = (
        AuditEvent.objects.filter(
            Q(object_type=USER_SUBJECT, object_id=str(member.pk))
            | Q(object_type="accounts.membership", object_id=str(membership.pk))
        )
        .exclude(actor_id=member.pk)
        .order_by("id")
    )
    tenant_id = connection.tenant.pk
    tokens = ApiToken.objects.filter(user=member, tenant_id=tenant_id).order_by("created_at")
    invitations = Invitation.objects.filter(tenant_id=tenant_id, email__iexact=member.email).order_by("created_at")
    document = {
        "subject": {"type": "accounts.user", "id": member.pk},
        "generated_at": clock_now().isoformat(),
        "account": {
            "email": member.email,
            "full_name": member.full_name,
            "date_joined": member.date_joined.isoformat(),
        },
        "membership": {
            "role": membership.role,
            "is_active": membership.is_active,
            "created_at": membership.created_at.isoformat(),
        },
        "api_tokens": [
            {
                "name": token.name,
                "created_at": token.created_at.isoformat(),
                "expires_at": token.expires_at.isoformat(),
                "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
                "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
            }
            for token in tokens
        ],
        "invitations": [
            {
                "email": invitation.email,
                "role": invitation.role,
                "created_at": invitation.created_at.isoformat(),
                "accepted_at": invitation.accepted_at.isoformat() if invitation.accepted_at else None,
            }
            for invitation in invitations
        ],
        "audit_events_as_actor": [_event(event, by_subject=True) for event in events],
        "audit_events_about_them": [_event(event) for event in about],
    }
    audit_record(
        action="privacy.subject_export", actor=user, object_type="accounts.user", object_id=member.pk, changes={}
    )
    return document


@transaction.atomic
def contact_erase(*, user, contact_id, confirm: str) -> Contact:
    """Anonymise a contact for good (admins; `confirm` must be ERASE)."""
    require_capability(user=user, capability=Capability.ADMINISTER)
    contact = get_contact_for_user(user=user, pk=contact_id)
    if (confirm or "").strip() != ERASE_CONFIRMATION:
        raise ApplicationError(f'Type "{ERASE_CONFIRMATION}" to confirm the erasure.', field="confirm")
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    _recipients_scrub(contact.email)
    contact.name = f"Erased contact {contact.pk}"
    contact.title = contact.email = contact.phone = ""
    contact.is_archived = True
    contact.updated_by_id = user.pk
    contact.save()
    destroy_subject_key(*subject_of(contact))
    audit_record(action="privacy.subject_erase", actor=user, target=contact, changes={})
    return contact


# The audit rows whose e-mail/IP are covered by the member's subject key (apps.audit.chain.ref_subject_id).
_MEMBER_ROWS = (
    "chain_version >= 2 AND actor_ref <> '' AND (actor_id = %s"
    " OR (actor_id IS NULL AND object_type = 'accounts.user' AND object_id = %s))"
)


@transaction.atomic
def member_erase(*, user, member_id, confirm: str) -> dict[str, int]:
    """Erase this tenant's view of a member (admins; `confirm` must be ERASE).

    The person's account lives in `public` and may belong to other tenants, so only what this tenant
    holds goes: the membership and this tenant's API tokens and invitations of theirs (public rows scoped
    to this tenant), the e-mail and IP address of their version-2 audit rows (blanked; the rows' hashes do
    not cover them) and their subject keys here (so the keyed references, and the invitation e-mails sealed
    in the log, can no longer be linked or read), and their address in the recipients of e-mailed
    documents. Business records keep their `created_by_id`-style ids,
    which now point at no one this tenant knows. Audit rows written before chain version 2 keep the e-mail
    hashed in clear; they are counted (`kept_before_v2`) and leave with the audit retention period.
    """
    from apps.accounts.models import ApiToken, Invitation
    from apps.accounts.revocation import credentials_revoke

    require_capability(user=user, capability=Capability.ADMINISTER)
    membership = _membership(member_id)
    member, tenant = membership.user, connection.tenant
    if member.pk == user.pk:
        raise ApplicationError("You cannot erase yourself; ask another admin.", code="invalid")
    if membership.role == Membership.Role.OWNER:
        raise ApplicationError("Owners cannot be erased; an owner must change their role first.", code="invalid")
    if (confirm or "").strip() != ERASE_CONFIRMATION:
        raise ApplicationError(f'Type "{ERASE_CONFIRMATION}" to confirm the erasure.', field="confirm")

    credentials_revoke(user=member, tenant=tenant, sessions=False)
    ApiToken.objects.filter(user=member, tenant_id=tenant.pk).delete()
    invitations = list(Invitation.objects.filter(tenant_id=tenant.pk, email__iexact=member.email))
    for invitation in invitations:
        destroy_subject_key(*subject_of(invitation))
    Invitation.objects.filter(pk__in=[invitation.pk for invitation in invitations]).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET actor_email = '', ip_address = NULL WHERE "  # noqa: S608
            + _MEMBER_ROWS
            + " AND (actor_email <> '' OR ip_address IS NOT NULL)",
            [member.pk, str(member.pk)],
        )
        blanked = cursor.rowcount
    destroy_subject_key(USER_SUBJECT, str(member.pk))
    kept = AuditEvent.objects.filter(chain_version=1, actor_email__iexact=member.email).count()
    membership.delete()
    result = {
        "audit_rows_blanked": blanked,
        "kept_before_v2": kept,
        "invitations_removed": len(invitations),
        "document_sends_scrubbed": _recipients_scrub(member.email),
    }
    audit_record(
        action="privacy.subject_erase", actor=user, object_type=USER_SUBJECT, object_id=member.pk, changes=result
    )
    return result
