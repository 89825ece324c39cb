"""The range a figure of a workbook may take: a figure outside it is an error naming its cell.

A value such as 1e308 in an amount column is read fine as a number, but sums of it overflow
and the results fill with nulls; an FTE of -50 or a growth of 1e9 % give figures nobody would
sign.  Each bound below is far beyond what a city's books hold, so only a mistake crosses it,
and every such cell is an error (a warning would let the wrong number into the totals).
docs/workbook-format.md lists them.
"""

from __future__ import annotations

import numpy as np

MAX_AMOUNT = 1e13  # $10 trillion: amounts, balances, costs, KPI values
AMOUNT = (-MAX_AMOUNT, MAX_AMOUNT)
FTE = (0.0, 1e6)
GROWTH = (-1.0, 10.0)  # growth and trend rates: -100% … +1,000% a year
SHARE = (0.0, 10.0)  # reserve floor/target/ceiling, max effect: 0% … 1,000%
ELASTICITY = (-100.0, 100.0)
WEIGHT = (0.0, 1e6)
LAG = (0.0, 100.0)


def _number(v: float) -> str:
    if abs(v) >= 1e15 or (v and abs(v) < 1e-4):
        return f"{v:.6g}"
    return f"{v:,.6g}" if abs(v) < 1e6 else f"{v:,.0f}"


def describe(bounds: tuple[float, float], percent: bool = False) -> str:
    lo, hi = bounds
    show = (lambda v: f"{_number(v * 100)}%") if percent else _number
    if lo == -hi:
        return f"between {show(lo)} and {show(hi)}"
    return f"from {show(lo)} to {show(hi)}"


def check(t, j: int | None, values: np.ndarray, bounds: tuple[float, float], what: str,
          percent: bool = False) -> None:
    """Report (on Table `t`) every cell of column `j` whose value lies outside `bounds`."""
    if j is None or not len(values):
        return
    lo, hi = bounds
    with np.errstate(invalid="ignore"):
        out = ~np.isnan(values) & ((values < lo) | (values > hi))
    out &= t.live & ~t.bad_error_cells(j)
    if not out.any():
        return
    show = (lambda v: f"{_number(v * 100)}%") if percent else _number
    for i in np.flatnonzero(out):
        t.cell_error(int(i), j, f"expected {what} {describe(bounds, percent)}, found {show(float(values[i]))}",
                     kind="range")
