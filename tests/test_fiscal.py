"""Fiscal-year names and headers in every SPEC form."""

from __future__ import annotations

import pytest

from kcplanner.fiscal import (FiscalCalendar, parse_fiscal_year, parse_phase, parse_prefixed_year, parse_year_phase,
                              REVENUE_PHASES)


@pytest.mark.parametrize("text,year", [
    ("FY2026-27", 2027), ("FY 2027", 2027), ("2027", 2027), ("FY27", 2027), (2027, 2027), (2027.0, 2027),
    ("FY 2026-2027", 2027), ("fy2026/27", 2027), ("FY1999-00", 2000), ("FY_2027", 2027), (" 2027 ", 2027),
])
def test_fiscal_year_forms(text, year):
    assert parse_fiscal_year(text) == year


@pytest.mark.parametrize("text", ["27", "FY2025-28", "20271", "2027.5", "Fiscal", "", None, 27, 2027.5, "FY2027 Adopted"])
def test_not_a_fiscal_year(text):
    assert parse_fiscal_year(text) is None


@pytest.mark.parametrize("header,expected", [
    ("FY2025 Actual", (2025, "Actual")), ("FY 2025-26 Adopted", (2026, "Adopted")), ("2027 Requested", (2027, "Requested")),
    ("FY27 Proposed", (2027, "Requested")), ("FY2027 Submitted", (2027, "Requested")), ("fy 2025 actuals", (2025, "Actual")),
    ("FY2026-27 - Adopted", (2027, "Adopted")), ("FY2026_Adopted", (2026, "Adopted")),
])
def test_year_phase_headers(header, expected):
    assert parse_year_phase(header) == expected


def test_year_phase_rejects():
    assert parse_year_phase("FY2027") is None
    assert parse_year_phase("FY2027 Estimate") is None  # not a line-item phase
    assert parse_year_phase("FY2027 Estimate", REVENUE_PHASES) == (2027, "Estimate")
    assert parse_year_phase("FY2027 Requested", REVENUE_PHASES) is None
    assert parse_year_phase("Department") is None
    assert parse_phase("proposed") == "Requested"


def test_prefixed():
    assert parse_prefixed_year("Target FY2027", "Target") == 2027
    assert parse_prefixed_year("Cost FY 2026-27", "Cost") == 2027
    assert parse_prefixed_year("cost 2028", "Cost") == 2028
    assert parse_prefixed_year("Cost center", "Cost") is None
    assert parse_prefixed_year("Target", "Target") is None


def test_calendar_labels():
    assert FiscalCalendar(5).label(2027) == "FY2026-27"
    assert FiscalCalendar(1).label(2027) == "FY2027"
