"""Recurrence rules for compliance items: RFC 5545 RRULE strings built from a few UI choices and expanded
with python-dateutil (no hand-rolled date arithmetic).

Days 29-31 are written as "the last of 28..N" (`BYMONTHDAY=28,29,30,31;BYSETPOS=-1`) so a rule on the 31st
falls on Feb 28 (Feb 29 in leap years) instead of skipping the month, as a bare `BYMONTHDAY=31` would.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from dateutil.rrule import rrulestr

from backend.exceptions import ApplicationError


class Frequency:
    YEARLY = "yearly"
    MONTHLY = "monthly"
    WEEKLY = "weekly"
    CHOICES = [(YEARLY, "Every N years"), (MONTHLY, "Every N months"), (WEEKLY, "Every N weeks")]


_FREQ_NAMES = {Frequency.YEARLY: "YEARLY", Frequency.MONTHLY: "MONTHLY", Frequency.WEEKLY: "WEEKLY"}
_ALLOWED_KEYS = {"FREQ", "INTERVAL", "BYMONTH", "BYMONTHDAY", "BYSETPOS"}
MAX_INTERVAL = 120


@dataclass(frozen=True)
class RuleParts:
    frequency: str
    interval: int
    month_day: int | None


def _month_day_parts(day: int) -> list[str]:
    if day <= 28:
        return [f"BYMONTHDAY={day}"]
    return [f"BYMONTHDAY={','.join(str(d) for d in range(28, day + 1))}", "BYSETPOS=-1"]


def build_rule(*, frequency: str, interval: int = 1, starts_on: datetime.date, month_day: int | None = None) -> str:
    """The RRULE for "every `interval` years/months/weeks from `starts_on`", monthly ones optionally on
    day `month_day` (1-31; months without that day use their last day)."""
    if frequency not in _FREQ_NAMES:
        raise ApplicationError("Choose yearly, monthly or weekly.", field="frequency")
    if not isinstance(interval, int) or not 1 <= interval <= MAX_INTERVAL:
        raise ApplicationError(f"The interval must be between 1 and {MAX_INTERVAL}.", field="interval")
    parts = [f"FREQ={_FREQ_NAMES[frequency]}"]
    if interval != 1:
        parts.append(f"INTERVAL={interval}")
    if month_day is not None:
        if frequency != Frequency.MONTHLY:
            raise ApplicationError("A day of the month applies to monthly rules only.", field="month_day")
        if not 1 <= month_day <= 31:
            raise ApplicationError("The day of the month must be between 1 and 31.", field="month_day")
        parts += _month_day_parts(month_day)
    elif frequency == Frequency.MONTHLY and starts_on.day > 28:
        parts += _month_day_parts(starts_on.day)
    elif frequency == Frequency.YEARLY and starts_on.day > 28:
        parts += [f"BYMONTH={starts_on.month}", *_month_day_parts(starts_on.day)]
    return ";".join(parts)


def parse_rule(rule: str) -> RuleParts:
    """Validate a stored rule (only the shapes `build_rule` writes) and return its builder choices."""
    text = (rule or "").strip().upper().removeprefix("RRULE:")
    values: dict[str, str] = {}
    for part in text.split(";"):
        key, sep, value = part.partition("=")
        if not sep or key not in _ALLOWED_KEYS or key in values or not value:
            raise ApplicationError("Unsupported recurrence rule.", field="recurrence")
        values[key] = value
    names = {v: k for k, v in _FREQ_NAMES.items()}
    if values.get("FREQ") not in names:
        raise ApplicationError("Unsupported recurrence rule.", field="recurrence")
    try:
        interval = int(values.get("INTERVAL", "1"))
        days = [int(d) for d in values["BYMONTHDAY"].split(",")] if "BYMONTHDAY" in values else []
        rrulestr(text, dtstart=datetime.datetime(2000, 1, 1))
    except (ValueError, TypeError) as exc:
        raise ApplicationError("Unsupported recurrence rule.", field="recurrence") from exc
    if not 1 <= interval <= MAX_INTERVAL or any(not 1 <= d <= 31 for d in days):
        raise ApplicationError("Unsupported recurrence rule.", field="recurrence")
    frequency = names[values["FREQ"]]
    month_day = max(days) if days and frequency == Frequency.MONTHLY else None
    return RuleParts(frequency=frequency, interval=interval, month_day=month_day)


def occurrences(
    *, rule: str, starts_on: datetime.date, after: datetime.date, until: datetime.date, limit: int = 60
) -> list[tuple[int, datetime.date]]:
    """(index, date) of each occurrence in [after, until]; index counts from the first occurrence ever, so
    rotation through assignees stays stable however often the job runs. An empty rule means once, on
    `starts_on`."""
    if not rule:
        return [(0, starts_on)] if after <= starts_on <= until else []
    recurrence = rrulestr(rule, dtstart=datetime.datetime.combine(starts_on, datetime.time()))
    found: list[tuple[int, datetime.date]] = []
    end = datetime.datetime.combine(until, datetime.time())
    for index, moment in enumerate(recurrence):
        if moment > end or len(found) >= limit:
            break
        if moment.date() >= after:
            found.append((index, moment.date()))
    return found


def describe(rule: str) -> str:
    """A short human description of a stored rule."""
    if not rule:
        return "Once"
    try:
        parts = parse_rule(rule)
    except ApplicationError:
        return rule
    unit = {Frequency.YEARLY: "year", Frequency.MONTHLY: "month", Frequency.WEEKLY: "week"}[parts.frequency]
    text = f"Every {unit}" if parts.interval == 1 else f"Every {parts.interval} {unit}s"
    if parts.month_day:
        text += f" on day {parts.month_day}"
    return text
