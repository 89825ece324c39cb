"""Periods (SPEC, "Actuals and KPI actuals"): quarters, fiscal months, whole years and dates."""

from __future__ import annotations

import datetime as dt

import pytest

from kcplanner.fiscal import FiscalCalendar
from kcplanner.periods import Period, PeriodError, parse_period

KC = FiscalCalendar(5)  # Kansas City: the year starts May 1


@pytest.mark.parametrize("text, want", [
    ("FY2027 Q2", Period(2027, 4, 6, "quarter")),
    ("FY2027-Q2", Period(2027, 4, 6, "quarter")),
    ("fy27 q4", Period(2027, 10, 12, "quarter")),
    ("FY2026-27 Q1", Period(2027, 1, 3, "quarter")),
    ("FY2027 P05", Period(2027, 5, 5, "month")),
    ("FY2027 M12", Period(2027, 12, 12, "month")),
    ("FY2027", Period(2027, 1, 12, "year")),
    (2027, Period(2027, 1, 12, "year")),
    ("2026-05-15", Period(2027, 1, 1, "month")),        # SPEC's own example: FY2027 P01
    (dt.date(2026, 4, 30), Period(2026, 12, 12, "month")),
    (dt.datetime(2027, 1, 2, 8, 30), Period(2027, 9, 9, "month")),
])
def test_every_form_of_spec(text, want):
    assert parse_period(text, KC) == want


def test_a_calendar_year_city():
    assert parse_period("2026-01-31", FiscalCalendar(1)) == Period(2026, 1, 1, "month")
    assert parse_period("2026-12-01", FiscalCalendar(1)) == Period(2026, 12, 12, "month")


def test_labels_are_written_as_spec_writes_them():
    assert [parse_period(t, KC).label for t in ("FY2027-Q2", "FY2027 M6", "FY27")] == \
        ["FY2027 Q2", "FY2027 P06", "FY2027"]


@pytest.mark.parametrize("text, words", [
    ("FY2027 P13", "fiscal month 13 is not a month of the year; expected 1-12"),
    ("FY2027 Q5", "quarter 5 is not a quarter of the year"),
    ("Q2", "names no fiscal year"),
    ("FY2027 H1", "'H1' is not a quarter"),
    ("2026-02-30", "is not a date of the calendar"),
    (None, "the period is blank"),
])
def test_what_cannot_be_read_says_what_was_expected(text, words):
    with pytest.raises(PeriodError) as err:
        parse_period(text, KC)
    message = str(err.value)
    assert words in message
    assert (f"'{text}'" in message) if text is not None else ("FY2027 Q2" in message)
