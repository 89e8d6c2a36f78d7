"""Number formats a meat broker checks on partners (documented in README → Partners and products).

- USDA establishment number (FSIS "EST."): one or more parts joined by "+", each part a program letter
  (M meat, P poultry, V voluntary/exotic, I egg products) followed by 1-5 digits and an optional single
  letter suffix for a sub-location — `M12345`, `P7089A`, `M562+P562`. Stored upper-case without spaces;
  each program letter appears at most once.
- MC (FMCSA docket) number: digits only, 1-8 digits (an "MC" / "MC-" prefix is accepted and removed).
- USDOT number: digits only, 1-8 digits (a "DOT"/"USDOT" prefix is accepted and removed).
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

ESTABLISHMENT_PART = re.compile(r"^([MPVI])\d{1,5}[A-Z]?$")


def normalize_establishment_number(value: str) -> str:
    return re.sub(r"\s+", "", value or "").upper()


def validate_establishment_number(value: str) -> None:
    normalized = normalize_establishment_number(value)
    parts = normalized.split("+")
    letters = []
    for part in parts:
        match = ESTABLISHMENT_PART.match(part)
        if not match:
            raise ValidationError(
                "Use the USDA establishment number format, e.g. M12345, P7089A or M562+P562.",
                code="invalid_establishment_number",
            )
        letters.append(match.group(1))
    if len(set(letters)) != len(letters):
        raise ValidationError(
            "Each program letter (M, P, V, I) may appear only once.", code="invalid_establishment_number"
        )


def normalize_registry_number(value: str, prefixes: tuple[str, ...]) -> str:
    text = re.sub(r"[\s-]+", "", value or "").upper()
    for prefix in prefixes:
        if text.startswith(prefix):
            return text[len(prefix) :]
    return text


def _digits_validator(label: str, max_digits: int):
    def validate(value: str) -> None:
        if value and not re.fullmatch(rf"\d{{1,{max_digits}}}", value):
            raise ValidationError(f"{label} numbers are digits only, at most {max_digits} digits.", code="invalid")

    return validate


validate_mc_number = _digits_validator("MC", 8)
validate_dot_number = _digits_validator("DOT", 8)
