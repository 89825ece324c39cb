"""Fiscal years: a fiscal year is named by the calendar year in which it ends.

`FY2026-27`, `FY 2027`, `2027` and `FY27` all mean 2027 (SPEC.md, "Fiscal years").
Column headers add a phase after the year: `FY2025 Actual`, `FY 2025-26 Adopted`,
`2027 Requested`, `FY27 Proposed`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Phases of a line-item amount and of a revenue amount, with their aliases.
LINE_ITEM_PHASES = ("Actual", "Adopted", "Requested")
REVENUE_PHASES = ("Actual", "Adopted", "Estimate", "Projected")
PHASE_ALIASES = {
    "actual": "Actual",
    "actuals": "Actual",
    "adopted": "Adopted",
    "requested": "Requested",
    "request": "Requested",
    "submitted": "Requested",
    "proposed": "Requested",
    "estimate": "Estimate",
    "estimated": "Estimate",
    "projected": "Projected",
    "projection": "Projected",
}

_YEAR = re.compile(
    r"""^\s*(?P<fy>FY)?[\s_.]*(?P<a>\d{4}|\d{2})
        (?:\s*[-/\u2013\u2014]\s*(?P<b>\d{4}|\d{2}))?
        (?P<rest>.*)$""",
    re.IGNORECASE | re.VERBOSE,
)


def _century(two: int, near: int | None = None) -> int:
    """A two-digit year as a four-digit one: next to `near` if given, else in 2000-2099."""
    if near is None:
        return 2000 + two
    year = near - near % 100 + two
    return year + 100 if year < near else year


def split_fiscal_year(text: object) -> tuple[int, str] | None:
    """Split `FY2025-26 Adopted` into (2026, "Adopted"); None if it names no fiscal year.

    The remainder is returned stripped of separators but not interpreted; `parse_phase`
    turns it into a phase.  A bare two-digit number needs the `FY` prefix (`27` alone is not
    a year), a four-digit one does not.
    """
    if text is None:
        return None
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        if float(text).is_integer() and 1900 <= int(text) <= 2200:
            return int(text), ""
        return None
    m = _YEAR.match(str(text))
    if not m:
        return None
    a, b, rest = m.group("a"), m.group("b"), m.group("rest")
    if len(a) == 2 and not m.group("fy"):
        return None
    if rest and rest[0].isdigit():
        return None  # "20271" or "2027.5": not a year
    start = int(a) if len(a) == 4 else _century(int(a))
    if b is None:
        year = start
    elif len(b) == 4:
        year = int(b)
    else:
        year = _century(int(b), start)
    if b is not None and year != start + 1:
        return None  # "FY2025-28" is a range of years, not one fiscal year
    if not 1900 <= year <= 2200:
        return None
    return year, rest.strip(" \t_-:|")


def parse_fiscal_year(text: object) -> int | None:
    """The fiscal year a cell or header names, or None."""
    split = split_fiscal_year(text)
    if split is None or split[1]:
        return None
    return split[0]


def parse_phase(text: str, allowed: tuple[str, ...] = LINE_ITEM_PHASES) -> str | None:
    """`adopted` → "Adopted", `Proposed` → "Requested"; None when not one of `allowed`."""
    key = re.sub(r"[^a-z]", "", str(text).lower())
    phase = PHASE_ALIASES.get(key)
    return phase if phase in allowed else None


def parse_year_phase(header: object, allowed: tuple[str, ...] = LINE_ITEM_PHASES) -> tuple[int, str] | None:
    """A wide amount header (`FY 2025-26 Adopted`) as (2026, "Adopted"), or None."""
    split = split_fiscal_year(header)
    if split is None:
        return None
    year, rest = split
    phase = parse_phase(rest, allowed)
    return (year, phase) if phase else None


def parse_prefixed_year(header: object, prefix: str) -> int | None:
    """A header such as `Target FY2027` or `Cost FY2027` (prefix first) as 2027, else None."""
    text = str(header).strip()
    if not text.lower().startswith(prefix.lower()):
        return None
    return parse_fiscal_year(text[len(prefix):].strip(" \t_-:|"))


@dataclass(frozen=True)
class FiscalCalendar:
    """How fiscal years are labelled: the month the year starts in (KCMO: May = 5)."""

    start_month: int = 5

    def label(self, year: int) -> str:
        """`FY2026-27` for year 2027 when the year starts after January, `FY2027` when in January."""
        if self.start_month == 1:
            return f"FY{year}"
        return f"FY{year - 1}-{year % 100:02d}"
