"""Per-tenant document number counters: one row per (kind, year), e.g. ("PO", 2026) → last number issued."""

from __future__ import annotations

from django.db import models


class NumberSequence(models.Model):
    kind = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "year"], name="numbersequence_kind_year_uniq")]

    def __str__(self) -> str:
        return f"{self.kind}-{self.year}: {self.last_value}"
