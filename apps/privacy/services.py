"""Data-subject rights inside one tenant: export everything held about a person, erase a contact.

A subject is a contact (partners.Contact) or a member (a user with a membership here). Every export and
erasure is itself audited, without the person's values. Erasure anonymises the contact's personal fields
(the business records pointing at it stay valid), and destroys the person's subject key, so the values
sealed in the audit log (apps.privacy.subjects) become unreadable while the hash chain still verifies.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from apps.accounts.models import Membership
from apps.accounts.permissions import Capability, require_capability
from apps.audit.models import AuditEvent
from apps.audit.services import audit_record
from apps.partners.models import Contact
from apps.partners.selectors import get_contact_for_user
from backend.clock import now as clock_now
from backend.exceptions import ApplicationError

from .subjects import destroy_subject_key, subject_of, unseal_changes

ERASE_CONFIRMATION = "ERASE"


def _event(event: AuditEvent) -> dict[str, Any]:
    return {
        "created_at": event.created_at.isoformat(),
        "action": event.action,
        "actor_email": event.actor_email,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "changes": unseal_changes(event.changes, subject_type=event.object_type, subject_id=event.object_id),
    }


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


def member_export(*, user, member_id) -> dict[str, Any]:
    """What this tenant holds about one member: account, membership, what they did here (admins, or themself)."""
    if str(member_id) != str(user.pk):
        require_capability(user=user, capability=Capability.ADMINISTER)
    else:
        require_capability(user=user, capability=Capability.READ)
    from django.db import connection

    membership = (
        Membership.objects.select_related("user").filter(tenant_id=connection.tenant.pk, user_id=member_id).first()
    )
    if membership is None:
        raise ApplicationError("Not found.", code="not_found")
    member = membership.user
    events = AuditEvent.objects.filter(actor_id=member.pk).order_by("id")
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
        "audit_events_as_actor": [_event(event) for event in events],
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
    contact.name = f"Erased contact {contact.pk}"
    contact.title = contact.email = contact.phone = ""
    contact.is_archived = True
    contact.updated_by_id = user.pk
    contact.save()
    destroy_subject_key(*subject_of(contact))
    audit_record(action="privacy.subject_erase", actor=user, target=contact, changes={})
    return contact
