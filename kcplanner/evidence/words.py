"""The evidence in words: a driver's estimate as a sentence an analyst can read out in a meeting."""

from __future__ import annotations

import math

import pandas as pd

STEP = 0.10  # "a 10% rise in … spending"


def _lower_first(name: str) -> str:
    """`Average police response time` → `average police response time`; `EMS response` stays."""
    if len(name) > 1 and name[0].isupper() and not name[1].isupper():
        return name[0].lower() + name[1:]
    return name


def _change(b: float) -> float:
    """The KPI's relative change that a 10% rise in spending goes with: 1.1^b − 1 (log-log elasticity)."""
    return (1.0 + STEP) ** b - 1.0


def _word(c: float) -> str:
    return "rise" if c > 0 else "fall"


def _pct(c: float) -> str:
    return f"{abs(c) * 100:.1f}%"


def is_missing(v) -> bool:
    """None, NA or NaN: a figure not given."""
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA


def driver_sentence(row) -> str:
    """What a driver's row of `Evidence.drivers` means, in one or two sentences.

    "A 10% rise in Patrol spending went with a 2.4% fall in average police response time (80% interval
    1.6%–3.2%), over 9 years."  Without enough history, or when the interval includes no change, it
    says so."""
    spending = str(row["spending"])
    kpi = _lower_first(str(row["kpi_name"] if not is_missing(row.get("kpi_name")) else row["kpi"]))
    n, needs = int(row["n"]), int(row["needs"])
    if row["status"] == "not enough history":
        return (f"Not enough history to tell how {spending} spending moves {kpi}: {n} year{'s' if n != 1 else ''} "
                f"of changes, needs {needs}.")
    if row["status"] != "estimated":
        return (f"{spending} spending cannot be told apart from the other drivers of {kpi}: their spending "
                f"changed together in the {n} years of history.")
    est, low, high = float(row["estimate"]), float(row["low"]), float(row["high"])
    c, cl, ch = _change(est), _change(low), _change(high)
    years = f"over {n} years"
    if cl <= 0 <= ch or ch <= 0 <= cl:
        lo, hi = sorted((cl, ch))
        return (f"A 10% rise in {spending} spending went with a {_pct(c)} {_word(c)} in {kpi} (80% interval from a "
                f"{_pct(lo)} fall to a {_pct(hi)} rise), {years}: no evidence that spending moves it.")
    lo, hi = sorted((abs(cl), abs(ch)))
    return (f"A 10% rise in {spending} spending went with a {_pct(c)} {_word(c)} in {kpi} (80% interval "
            f"{lo * 100:.1f}%–{hi * 100:.1f}%), {years}.")
