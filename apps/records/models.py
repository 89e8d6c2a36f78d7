"""Abstract base models: every business record tracks who changed it and when (DOM-18) and archives softly."""

from __future__ import annotations

import re

from django.contrib.postgres.indexes import GinIndex
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Concat, Upper

CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,19}$", re.IGNORECASE)
code_validator = RegexValidator(
    CODE_PATTERN,
    "Use 1-20 letters, digits, dashes or underscores, starting with a letter or digit.",
)


class TrackedRecord(models.Model):
    """Timestamps, acting user ids and the soft-archive flag.

    Users live in the shared schema, so the actor is kept as an id (no cross-schema foreign key).
    """

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by_id = models.BigIntegerField(null=True, blank=True, editable=False)
    updated_by_id = models.BigIntegerField(null=True, blank=True, editable=False)
    is_archived = models.BooleanField(default=False, editable=False)

    class Meta:
        abstract = True


class CodedRecord(TrackedRecord):
    """A record with a short code, unique within the tenant (each tenant has its own table, TEN-09).

    Codes are stored upper-case so "acme-1" and "ACME-1" are the same code.
    """

    code = models.CharField(max_length=20, unique=True, validators=[code_validator])
    name = models.CharField(max_length=200)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    def clean(self) -> None:
        super().clean()
        self.code = (self.code or "").strip().upper()


class AddressFields(models.Model):
    """A postal address, repeated on partners and locations."""

    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField("state / province", max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(
        max_length=2,
        default="US",
        validators=[RegexValidator(r"^[A-Z]{2}$", "Use the two-letter ISO country code, e.g. US.")],
        help_text="ISO 3166 two-letter code",
    )

    class Meta:
        abstract = True

    @property
    def address_line(self) -> str:
        return ", ".join(part for part in [self.street, self.city, self.state, self.postal_code] if part)


def search_document(*fields: str) -> models.GeneratedField:
    """`search_text`: the upper-cased, space-joined `fields`, kept current by PostgreSQL itself.

    The list search matches each term against this one column, served by one trigram index
    (`search_index`), instead of OR-ing a case-insensitive match over several columns.
    """
    parts: list = []
    for field in fields:
        parts += [models.F(field), models.Value(" ")]
    return models.GeneratedField(
        expression=Upper(Concat(*parts[:-1], output_field=models.TextField())),
        output_field=models.TextField(),
        db_persist=True,
    )


def search_index(prefix: str) -> GinIndex:
    """Trigram index on `search_text`. Needs pg_trgm in `public` (every tenant's search_path ends there): an
    app's first migration with such an index runs `CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public`."""
    return GinIndex(fields=["search_text"], opclasses=["gin_trgm_ops"], name=f"{prefix}_search_trgm")
