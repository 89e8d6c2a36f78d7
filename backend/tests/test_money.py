"""Money rounding: Decimal only, ROUND_HALF_UP to cents."""

from decimal import Decimal

import pytest

from backend.money import line_amount, to_cents


@pytest.mark.parametrize(
    ("raw", "rounded"),
    [
        ("2.345", "2.35"),
        ("2.344", "2.34"),
        ("0.005", "0.01"),
        ("0.015", "0.02"),  # banker's rounding would give 0.02 here but 0.00 for 0.005
        ("-2.345", "-2.35"),
        ("10", "10.00"),
    ],
)
def test_amounts_round_half_up_to_cents(raw, rounded):
    assert to_cents(Decimal(raw)) == Decimal(rounded)
    assert str(to_cents(Decimal(raw))) == rounded


def test_line_amount_is_weight_times_price_rounded_once():
    # 1234.56 lb at 2.1235 per lb = 2621.588... → 2621.59
    assert line_amount(Decimal("1234.56"), Decimal("2.1235")) == Decimal("2621.59")
    # 3 × 0.335 = 1.005 exactly → half up to 1.01
    assert line_amount(Decimal("3"), Decimal("0.335")) == Decimal("1.01")
