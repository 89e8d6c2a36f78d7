"""Tenant branding: colours, logo and favicon (tenant admins)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction

from apps.accounts.permissions import Capability, require_capability
from backend.exceptions import ApplicationError
from backend.images import validate_image

from .models import Client, hex_colour
from .quotas import storage_delete, storage_save
from .services import _tenant_audit

BRANDING_FORMATS = frozenset({"PNG", "JPEG", "GIF", "ICO"})


def _validated_colour(value: str, field: str) -> str:
    value = (value or "").strip()
    try:
        hex_colour(value)
    except ValidationError:
        raise ApplicationError("Enter a colour as #rrggbb.", field=field) from None
    return value.lower()


def _store_branding_file(*, tenant: Client, kind: str, upload, info) -> str:
    # Our own name (kind + random token + the extension of the detected format): nothing of the
    # uploaded file name reaches the storage path.
    return storage_save(
        tenant=tenant,
        name=f"{tenant.schema_name}/branding/{kind}-{secrets.token_hex(8)}.{info.extension}",
        content=File(upload),
        field=kind,
    )


@transaction.atomic
def tenant_branding_update(
    *,
    tenant: Client,
    actor,
    primary_color: str,
    secondary_color: str,
    logo=None,
    favicon=None,
    remove_logo: bool = False,
    remove_favicon: bool = False,
) -> Client:
    """Colours, logo and favicon of a tenant (ADMINISTER). Images are checked by content; old files go."""
    require_capability(user=actor, capability=Capability.ADMINISTER, tenant=tenant)
    colours = {
        "primary_color": _validated_colour(primary_color, "primary_color"),
        "secondary_color": _validated_colour(secondary_color, "secondary_color"),
    }
    images = {}
    if logo is not None:
        images["logo"] = (
            logo,
            validate_image(logo, field="logo", max_bytes=settings.BRANDING_LOGO_MAX_BYTES, formats=BRANDING_FORMATS),
        )
    if favicon is not None:
        images["favicon"] = (
            favicon,
            validate_image(
                favicon, field="favicon", max_bytes=settings.BRANDING_FAVICON_MAX_BYTES, formats=BRANDING_FORMATS
            ),
        )
    stored: list[str] = []
    try:
        return _branding_apply(
            tenant=tenant,
            actor=actor,
            colours=colours,
            images=images,
            stored=stored,
            remove={"logo": remove_logo, "favicon": remove_favicon},
        )
    except BaseException:
        for name in stored:  # the database kept the old branding; do not leave the new files behind
            default_storage.delete(name)
        raise


def _branding_apply(*, tenant: Client, actor, colours: dict, images: dict, stored: list[str], remove: dict) -> Client:
    locked = Client.objects.select_for_update().get(pk=tenant.pk)
    changes: dict = {}
    for field, value in colours.items():
        if getattr(locked, field) != value:
            changes[field] = [getattr(locked, field), value]
            setattr(locked, field, value)
    obsolete: list[str] = []
    for kind in ("logo", "favicon"):
        current = getattr(locked, kind)
        new = ""
        if kind in images:
            upload, info = images[kind]
            new = _store_branding_file(tenant=locked, kind=kind, upload=upload, info=info)
            stored.append(new)
        elif not remove[kind]:
            continue
        if current != new:
            changes[kind] = [current, new]
            setattr(locked, kind, new)
            if current:
                obsolete.append(current)
    if not changes:
        return locked
    locked.save(update_fields=[*colours, "logo", "favicon", "updated_at"])  # signals refresh cached routing
    transaction.on_commit(lambda: [storage_delete(tenant=locked, name=name) for name in obsolete])
    _tenant_audit(tenant=locked, action="tenant.branding_update", actor=actor, target=locked, changes=changes)
    return locked
