"""Money arithmetic: Decimal only, rounded explicitly to cents with ROUND_HALF_UP (never banker's rounding)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def to_cents(value: Decimal | int | str) -> Decimal:
    """Round a computed amount to cents, halves away from zero: 2.345 → 2.35, -2.345 → -2.35."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """quantity × unit price, rounded once at the line (totals are sums of rounded lines)."""
    return to_cents(Decimal(quantity) * Decimal(unit_price))
