"""The fast path of `backend.formatting.money` writes exactly what Babel's formatter writes."""

from decimal import Decimal

import pytest
from babel.numbers import format_currency

from backend.formatting import money

VALUES = ["0", "0.00", "5", "1234.5", "1234.50", "2.1234", "2.4500", "1E+3", "1000000.01", "0.005", "12345678.9"]
LOCALES = [
    ("en_US", "USD"),
    ("de_DE", "EUR"),
    ("fr_FR", "EUR"),
    ("en_GB", "GBP"),
    ("de_CH", "CHF"),
    ("ja_JP", "JPY"),
    ("en_IN", "INR"),
    ("es_ES", "EUR"),
    ("en_US", "EUR"),
    ("pt_BR", "BRL"),
]


@pytest.mark.parametrize(("locale", "currency"), LOCALES)
def test_money_matches_babel(locale, currency):
    for text in VALUES:
        for value in (Decimal(text), -Decimal(text)):
            expected = format_currency(value, currency, locale=locale, decimal_quantization=False)
            assert money(value, currency, locale) == expected, (locale, currency, value)
