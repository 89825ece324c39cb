"""Number formatting for the app: US dollars with thousands separators (QLocale en_US)."""

from __future__ import annotations

import math

from PySide6.QtCore import QLocale

LOCALE = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
DASH = "–"


def money(x: float, decimals: int = 0) -> str:
    """`$1,234,567` (negative, as accountants write it: `($1,234,567)`); a dash where there is nothing."""
    if x is None or not math.isfinite(x):
        return DASH
    return LOCALE.toCurrencyString(float(x), "$", decimals)


def money_fast(x: float) -> str:
    """The same text as `money(x)` without a Qt call (hot paths: 100k-row tables)."""
    if not math.isfinite(x):
        return DASH
    return f"(${-x:,.0f})" if x <= -0.5 else f"${max(x, 0.0):,.0f}"


def signed_money(x: float) -> str:
    if x is None or not math.isfinite(x):
        return DASH
    if abs(x) < 0.5:
        return "$0"
    return ("+" if x > 0 else "-") + LOCALE.toCurrencyString(abs(float(x)), "$", 0)


def compact_money(x: float, decimals=None) -> str:
    """`$1.82B`, `$245.3M`, `$12.5K` for cards and chart axes.  `decimals(unit)` (unit 1e9, 1e6 or
    1e3) gives the decimals of that unit, by default 2 for billions and 1 otherwise (an axis asks
    for the decimals its tick step needs: ui/common/charts.py `money_tick`)."""
    if x is None or not math.isfinite(x):
        return DASH
    a = abs(x)
    sign = "-" if x < 0 else ""
    for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if a >= div:
            places = decimals(div) if decimals is not None else (2 if div == 1e9 else 1)
            return f"{sign}${LOCALE.toString(a / div, 'f', places)}{suffix}"
    return f"{sign}${LOCALE.toString(a, 'f', 0)}"


def percent(x: float, decimals: int = 1, signed: bool = False) -> str:
    """A fraction as percent text: 0.0512 → `5.1%`."""
    if x is None or not math.isfinite(x):
        return DASH
    text = LOCALE.toString(float(x) * 100, "f", decimals) + "%"
    return ("+" + text) if signed and x > 0 else text


def number(x: float, decimals: int = 2) -> str:
    if x is None or not math.isfinite(x):
        return DASH
    return LOCALE.toString(float(x), "f", decimals)


def kpi_value(x: float) -> str:
    """A KPI value with sensible precision for its size."""
    if x is None or not math.isfinite(x):
        return DASH
    a = abs(x)
    decimals = 0 if a >= 1000 else 1 if a >= 100 else 2
    return LOCALE.toString(float(x), "f", decimals)


def baseline_header(prepared, label: str) -> str:
    """`Baseline FY2017-18` over `← FY17 Adopted`: where the baseline comes from (column headers)."""
    src = getattr(prepared, "baseline_source", None)
    return f"Baseline {label}" + (f"\n← {src.short_label}" if src is not None else "")
