"""Numbers and money as people in the tenant's locale read them, in one place (Babel's CLDR data):
`1234.5` → "1,234.50" and "$1,234.50" for en_US, "1.234,50 €" for de_DE. Templates use the `ui` tags
(apps/ui/templatetags/ui.py); report tables call `number` directly for thousands of cells, so plain numbers
take a fast path (Python's grouping with the locale's symbols) wherever the locale groups by thousands."""

from __future__ import annotations

import functools
from decimal import Decimal, InvalidOperation

from babel import Locale
from babel.numbers import format_currency, format_decimal, get_currency_precision
from django.db import connection

DEFAULT_LOCALE = "en_US"


def _decimal(value) -> Decimal | None:
    if isinstance(value, Decimal):
        return value
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@functools.lru_cache(maxsize=32)
def _symbols(locale: str) -> tuple[dict | None, bool]:
    """(str.translate table from Python's "," and "." to the locale's symbols, or None when they are the
    same; whether the locale groups by thousands)."""
    parsed = Locale.parse(locale)
    symbols = parsed.number_symbols.get("latn", parsed.number_symbols)
    pattern = parsed.decimal_formats.get(None)
    thousands = pattern is not None and pattern.grouping == (3, 3)
    group, decimal = symbols["group"], symbols["decimal"]
    table = None if (group, decimal) == (",", ".") else str.maketrans({",": group, ".": decimal})
    return table, thousands


def money(value, currency: str, locale: str = DEFAULT_LOCALE) -> str:
    """An amount with its currency symbol and thousands separators; "" for no value."""
    amount = _decimal(value)
    if amount is None:
        return ""
    currency, locale = currency or "USD", locale or DEFAULT_LOCALE
    affixes = _money_affixes(currency, locale)
    if affixes is not None and amount.is_finite() and not amount.is_signed():
        # Fast path (~20x quicker than Babel's formatter, same text): the locale's symbol placement around
        # the plain-number fast path. Ledgers and statements write thousands of amounts per page.
        prefix, suffix, digits = affixes
        if -amount.as_tuple().exponent > digits:
            amount = amount.normalize()  # trailing zeros past the currency's decimals go, like Babel's
        if -amount.as_tuple().exponent < digits:
            amount = amount.quantize(Decimal(1).scaleb(-digits))
        return prefix + number(amount, locale) + suffix
    # Not quantized to the currency's 2 decimals: a cost of 2.1234 per lb shows as $2.1234, 2.4500 as $2.45.
    return format_currency(amount, currency, locale=locale, decimal_quantization=False)


@functools.lru_cache(maxsize=64)
def _money_affixes(currency: str, locale: str) -> tuple[str, str, int] | None:
    """(text before the number, text after it, the currency's decimals) where the number part can be
    written by `number`'s fast path; None to always use Babel."""
    try:
        _table, thousands = _symbols(locale)
        digits = get_currency_precision(currency)
        sample = format_currency(Decimal("1111.11"), currency, locale=locale, decimal_quantization=False)
    except (ValueError, LookupError):
        return None
    body = number(Decimal("1111.11"), locale)
    if not thousands or digits != 2 or sample.count(body) != 1:
        return None
    prefix, suffix = sample.split(body)
    # Some locales group currency amounts differently from plain numbers (de_CH): check a large amount too.
    large = Decimal("1234567.89")
    if (
        format_currency(large, currency, locale=locale, decimal_quantization=False)
        != prefix + number(large, locale) + suffix
    ):
        return None
    return prefix, suffix, digits


def number(value, locale: str = DEFAULT_LOCALE, *, places: int | None = None) -> str:
    """A plain number with separators: `places` fixes the decimals, else they are kept as stored."""
    amount = _decimal(value)
    if amount is None:
        return "" if value is None else str(value)
    locale = locale or DEFAULT_LOCALE
    table, thousands = _symbols(locale)
    if thousands and amount.is_finite():
        # "f" without a precision keeps the stored decimals (650.00 stays 650.00; 1E+3 is 1,000).
        text = f"{amount:,f}" if places is None else f"{amount:,.{places}f}"
        return text.translate(table) if table else text
    if places is None:
        exponent = amount.as_tuple().exponent
        places = max(0, -exponent) if isinstance(exponent, int) else 0
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(amount, format=pattern, locale=locale)


def tenant_locale(tenant=None) -> str:
    """The locale the current tenant's figures are written in (`Client.locale`, e.g. en_US, de_DE)."""
    tenant = tenant if tenant is not None else getattr(connection, "tenant", None)
    return getattr(tenant, "locale", "") or DEFAULT_LOCALE
