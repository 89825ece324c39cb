"""How figures read on the site: dollars without cents, rates as percents, a dash for "not given".
The site's JavaScript formats the line-item table the same way (static/site.js, `money`)."""

from __future__ import annotations

import math

DASH = "\u2014"


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def money(value) -> str:
    """$1,234,568; -$1,234; — for nothing."""
    if _missing(value):
        return DASH
    v = math.floor(float(value) + 0.5)  # half up, as the pages' script rounds (Math.round)
    return f"-${-v:,.0f}" if v < 0 else f"${v:,.0f}"


def short_money(value) -> str:
    """$1.2 billion, $35.4 million, $120,000."""
    if _missing(value):
        return DASH
    v = float(value)
    sign, a = ("-" if v < 0 else ""), abs(v)
    if a >= 1e9:
        return f"{sign}${a / 1e9:,.2f} billion"
    if a >= 1e6:
        return f"{sign}${a / 1e6:,.1f} million"
    return money(v)


def percent(value, digits: int = 1) -> str:
    """A fraction as a percent: 0.167 → 16.7%."""
    if _missing(value):
        return DASH
    return f"{float(value) * 100:,.{digits}f}%"


def number(value, digits: int = 2) -> str:
    """A KPI value: up to `digits` decimals, no trailing zeros."""
    if _missing(value):
        return DASH
    text = f"{float(value):,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def fte(value) -> str:
    return number(value, 2)


def clean(value) -> float | None:
    """A figure for the page's chart data: a float, or None (JSON null) for nothing."""
    if _missing(value):
        return None
    return float(value)
