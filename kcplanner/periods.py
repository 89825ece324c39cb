"""Periods of the year in execution (SPEC, "Actuals and KPI actuals"): a quarter, a fiscal month, a
whole fiscal year, or a date.

Every period is held as the fiscal months it covers, `first_month … last_month` (1–12) of a fiscal
year, so "through month p" is one comparison (`last_month <= p`) and quarters, months and years mix
in one vectorized table.  Quarter q holds fiscal months 3q−2 … 3q.  A date falls in the fiscal month
that the Fiscal year start month gives it (start month 5: 2026-05-15 is FY2027 P01).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np

from .fiscal import FiscalCalendar, split_fiscal_year

KINDS = ("month", "quarter", "year")

_QUARTER = re.compile(r"^(?:Q|QTR|QUARTER)\s*(\d+)$", re.IGNORECASE)
_MONTH = re.compile(r"^(?:P|M|PERIOD|MONTH)\s*(\d+)$", re.IGNORECASE)
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*$")

EXPECTED = ("a period such as FY2027 Q2 (a quarter), FY2027 P05 or FY2027 M05 (a fiscal month 1-12), "
            "FY2027 (the whole year) or a date")


class PeriodError(ValueError):
    """A period that cannot be read; the message says what was found and what was expected."""


@dataclass(frozen=True, order=True)
class Period:
    """Fiscal months `first_month … last_month` of `fiscal_year`; `kind` is how it was given."""

    fiscal_year: int
    first_month: int
    last_month: int
    kind: str

    @property
    def label(self) -> str:
        """`FY2027 Q2`, `FY2027 P05` or `FY2027`, as SPEC writes periods."""
        if self.kind == "quarter":
            return f"FY{self.fiscal_year} Q{self.last_month // 3}"
        if self.kind == "month":
            return f"FY{self.fiscal_year} P{self.last_month:02d}"
        return f"FY{self.fiscal_year}"


def month_period(fiscal_year: int, month: int) -> Period:
    if not 1 <= month <= 12:
        raise PeriodError(f"fiscal month {month} is not a month of the year; expected 1-12")
    return Period(fiscal_year, month, month, "month")


def quarter_period(fiscal_year: int, quarter: int) -> Period:
    if not 1 <= quarter <= 4:
        raise PeriodError(f"quarter {quarter} is not a quarter of the year; expected Q1-Q4")
    return Period(fiscal_year, 3 * quarter - 2, 3 * quarter, "quarter")


def year_period(fiscal_year: int) -> Period:
    return Period(fiscal_year, 1, 12, "year")


def date_period(day: dt.date, calendar: FiscalCalendar) -> Period:
    """The fiscal month a date falls in: the year is named by the calendar year in which it ends."""
    start = calendar.start_month
    fiscal_year = day.year + (1 if start > 1 and day.month >= start else 0)
    return month_period(fiscal_year, (day.month - start) % 12 + 1)


def parse_period(value: object, calendar: FiscalCalendar = FiscalCalendar()) -> Period:
    """A period cell (text, a date cell, or a bare fiscal year number) as a `Period`.

    Raises `PeriodError` naming what was found and the forms expected."""
    if isinstance(value, dt.datetime):
        return date_period(value.date(), calendar)
    if isinstance(value, dt.date):
        return date_period(value, calendar)
    if value is None or (isinstance(value, float) and value != value):
        raise PeriodError(f"the period is blank; expected {EXPECTED}")
    text = str(value).strip()
    iso = _ISO_DATE.match(text)
    if iso:
        try:
            day = dt.date(int(iso[1]), int(iso[2]), int(iso[3]))
        except ValueError:
            raise PeriodError(f"'{text}' is not a date of the calendar; expected {EXPECTED}") from None
        return date_period(day, calendar)
    split = split_fiscal_year(value if isinstance(value, (int, float)) else text)
    if split is None:
        raise PeriodError(f"'{text}' names no fiscal year; expected {EXPECTED}")
    year, rest = split
    rest = rest.strip(" \t_-:|/")
    if not rest:
        return year_period(year)
    q, m = _QUARTER.match(rest), _MONTH.match(rest)
    try:
        if q:
            return quarter_period(year, int(q[1]))
        if m:
            return month_period(year, int(m[1]))
    except PeriodError as err:
        raise PeriodError(f"'{text}': {err}") from None
    raise PeriodError(f"'{text}': '{rest}' is not a quarter (Q1-Q4) or a fiscal month (P01-P12); "
                      f"expected {EXPECTED}")


__all__ = ["KINDS", "EXPECTED", "Period", "PeriodError", "parse_period", "date_period", "month_period",
           "quarter_period", "year_period"]


FULL_YEAR = (1 << 12) - 1


def months_mask(first_month: int, last_month: int) -> int:
    """The fiscal months first … last as a 12-bit mask (bit m−1 = month m)."""
    return ((1 << last_month) - 1) ^ ((1 << (first_month - 1)) - 1)


def complete_years(fiscal_year, first_month, last_month) -> list[int]:
    """The fiscal years whose periods cover every one of their twelve months (SPEC, "The quarterly
    review": every month, every quarter, or the whole year in one period), sorted.

    Vectorized over rows: only the distinct (year, first, last) combinations are looped over."""
    years = np.asarray(fiscal_year, dtype=np.int64)
    if not len(years):
        return []
    first = np.asarray(first_month, dtype=np.int64)
    last = np.asarray(last_month, dtype=np.int64)
    base = int(years.min())
    combos = np.unique(((years - base) * 12 + first - 1) * 12 + last - 1)
    covered: dict[int, int] = {}
    for c in combos.tolist():
        k, rest = divmod(c, 144)
        f, la = divmod(rest, 12)
        covered[base + k] = covered.get(base + k, 0) | months_mask(f + 1, la + 1)
    return sorted(y for y, mask in covered.items() if mask == FULL_YEAR)
