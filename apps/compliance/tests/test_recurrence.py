"""Recurrence rules: the UI builder writes RFC 5545 RRULEs, dateutil expands them; month ends clamp."""

import datetime

import pytest

from apps.compliance.recurrence import build_rule, describe, occurrences, parse_rule
from backend.exceptions import ApplicationError

D = datetime.date


def _dates(rule, starts_on, until, after=None):
    return [day for _, day in occurrences(rule=rule, starts_on=starts_on, after=after or starts_on, until=until)]


def test_monthly_on_the_31st_falls_on_the_last_day_of_shorter_months():
    rule = build_rule(frequency="monthly", starts_on=D(2027, 1, 31))
    assert _dates(rule, D(2027, 1, 31), D(2027, 5, 31)) == [
        D(2027, 1, 31),
        D(2027, 2, 28),
        D(2027, 3, 31),
        D(2027, 4, 30),
        D(2027, 5, 31),
    ]


def test_monthly_on_the_31st_uses_february_29_in_a_leap_year():
    rule = build_rule(frequency="monthly", starts_on=D(2028, 1, 15), month_day=31)
    assert _dates(rule, D(2028, 1, 15), D(2028, 3, 31)) == [D(2028, 1, 31), D(2028, 2, 29), D(2028, 3, 31)]


def test_monthly_on_day_30_in_february_of_a_common_year_is_the_28th():
    rule = build_rule(frequency="monthly", starts_on=D(2027, 1, 1), month_day=30)
    assert _dates(rule, D(2027, 1, 1), D(2027, 3, 31)) == [D(2027, 1, 30), D(2027, 2, 28), D(2027, 3, 30)]


def test_yearly_from_february_29_falls_on_february_28_in_common_years():
    rule = build_rule(frequency="yearly", starts_on=D(2028, 2, 29))
    assert _dates(rule, D(2028, 2, 29), D(2032, 12, 31)) == [
        D(2028, 2, 29),
        D(2029, 2, 28),
        D(2030, 2, 28),
        D(2031, 2, 28),
        D(2032, 2, 29),
    ]


def test_every_six_months_from_august_31_clamps_to_february_end():
    rule = build_rule(frequency="monthly", interval=6, starts_on=D(2027, 8, 31))
    assert _dates(rule, D(2027, 8, 31), D(2028, 9, 1)) == [D(2027, 8, 31), D(2028, 2, 29), D(2028, 8, 31)]


def test_weekly_every_two_weeks():
    rule = build_rule(frequency="weekly", interval=2, starts_on=D(2027, 3, 1))
    assert rule == "FREQ=WEEKLY;INTERVAL=2"
    assert _dates(rule, D(2027, 3, 1), D(2027, 3, 31)) == [D(2027, 3, 1), D(2027, 3, 15), D(2027, 3, 29)]


def test_occurrence_indexes_count_from_the_first_occurrence_ever():
    found = occurrences(rule="FREQ=MONTHLY", starts_on=D(2027, 1, 5), after=D(2027, 3, 1), until=D(2027, 4, 30))
    assert found == [(2, D(2027, 3, 5)), (3, D(2027, 4, 5))]


def test_an_empty_rule_means_once():
    assert _dates("", D(2027, 6, 1), D(2027, 12, 31)) == [D(2027, 6, 1)]
    assert _dates("", D(2027, 6, 1), D(2027, 5, 31)) == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"frequency": "daily"}, "frequency"),
        ({"frequency": "monthly", "interval": 0}, "interval"),
        ({"frequency": "monthly", "interval": 999}, "interval"),
        ({"frequency": "monthly", "month_day": 32}, "month_day"),
        ({"frequency": "yearly", "month_day": 3}, "month_day"),
    ],
)
def test_builder_refuses_bad_choices(kwargs, field):
    with pytest.raises(ApplicationError) as caught:
        build_rule(starts_on=D(2027, 1, 1), **kwargs)
    assert caught.value.field == field


@pytest.mark.parametrize(
    "rule",
    ["FREQ=DAILY", "FREQ=MONTHLY;COUNT=3", "FREQ=MONTHLY;BYMONTHDAY=40", "nonsense", "FREQ=MONTHLY;INTERVAL=x", ""],
)
def test_parser_refuses_rules_the_builder_does_not_write(rule):
    with pytest.raises(ApplicationError):
        parse_rule(rule)


def test_parser_round_trips_the_builder():
    rule = build_rule(frequency="monthly", interval=3, starts_on=D(2027, 1, 1), month_day=31)
    parts = parse_rule(rule)
    assert (parts.frequency, parts.interval, parts.month_day) == ("monthly", 3, 31)
    assert describe(rule) == "Every 3 months on day 31"
    assert describe("") == "Once"
