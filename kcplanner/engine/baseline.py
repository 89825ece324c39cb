"""The baseline: expenditure E0 per line item and revenue R0 per revenue line (SPEC "Baseline").

E0 for the first plan year is a line's Requested amount, else its prior-year Adopted amount grown
one year, else its latest Actual grown one year (baseline_source.py names which); later years grow
by the account class's rate from the Assumptions table, and one-time lines stop after the first
year.  R0 takes a year's Projected or Estimate amount where given, else the line's latest known
amount grown by its own rate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .codes import NYEARS, PERSONNEL, Vocab, name_key
from .columns import _phase_column, _phase_years, _year_columns


def class_growth(assumptions: pd.DataFrame, vc: Vocab, years: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Growth rates (classes × 5) from the Assumptions table, and the Personnel Services row (5,)."""
    ncl = len(vc)
    growth = np.zeros((ncl, NYEARS))
    ps_growth = np.zeros(NYEARS)
    if len(assumptions):
        ycols = _year_columns(assumptions)
        for label, row in assumptions.iterrows():
            rates = np.array([pd.to_numeric(row.get(ycols[y]), errors="coerce") if y in ycols else np.nan
                              for y in years], dtype=float)
            rates = np.where(np.isnan(rates), 0.0, rates)
            code = vc.find(label)
            if code is not None:
                growth[code] = rates
            if name_key(label) == PERSONNEL:
                ps_growth = rates
    return growth, ps_growth


def baseline_expenditure(amounts: pd.DataFrame, growth: np.ndarray, lc: np.ndarray, lrec: np.ndarray,
                         y0: int, y1: int) -> np.ndarray:
    """E0 (lines × 5) from each line's amounts, its class's growth `growth[lc]` and its Recurring flag."""
    n = len(lc)
    g_line = growth[lc] if n else np.zeros((0, NYEARS))
    requested = _phase_column(amounts, y1, "Requested", n)
    adopted = _phase_column(amounts, y0, "Adopted", n)
    actual = np.full(n, np.nan)
    for y in _phase_years(amounts, "Actual"):
        if y <= y0:
            col = _phase_column(amounts, y, "Actual", n)
            actual = np.where(np.isnan(col), actual, col)
    g1 = 1.0 + g_line[:, 0]
    e1 = np.where(~np.isnan(requested), requested,
                  np.where(~np.isnan(adopted), adopted * g1,
                           np.where(~np.isnan(actual), actual * g1, 0.0)))
    E0 = np.empty((n, NYEARS))
    E0[:, 0] = e1
    for t in range(1, NYEARS):
        E0[:, t] = E0[:, t - 1] * (1.0 + g_line[:, t])
    E0[~lrec, 1:] = 0.0
    return E0


def baseline_revenue(ra: pd.DataFrame, rgrowth: np.ndarray, years: list[int], y0: int) -> np.ndarray:
    """R0 (revenue lines × 5) from the revenue amounts table and each line's growth rate."""
    nr = len(rgrowth)
    if len(ra) != nr:
        raise ValueError(f"plan.revenue_amounts has {len(ra)} rows for {nr} revenue lines")
    latest = np.full(nr, np.nan)
    latest_year = np.full(nr, np.nan)
    seed_years = sorted({int(y) for (y, p) in ra.columns if p in ("Estimate", "Adopted", "Actual") and int(y) <= y0})
    for y in seed_years:
        val = _phase_column(ra, y, "Estimate", nr)
        val = np.where(np.isnan(val), _phase_column(ra, y, "Adopted", nr), val)
        val = np.where(np.isnan(val), _phase_column(ra, y, "Actual", nr), val)
        given = ~np.isnan(val)
        latest = np.where(given, val, latest)
        latest_year = np.where(given, y, latest_year)
    prev = np.zeros(nr)
    has = ~np.isnan(latest)
    if has.any():
        steps = (y0 - latest_year[has]).astype(int)
        vals = latest[has].copy()
        gr = rgrowth[has]
        for k in range(int(steps.max()) if steps.size else 0):
            vals = np.where(steps > k, vals * (1.0 + gr), vals)
        prev[has] = vals
    R0 = np.empty((nr, NYEARS))
    for t, y in enumerate(years):
        given = _phase_column(ra, y, "Projected", nr)
        given = np.where(np.isnan(given), _phase_column(ra, y, "Estimate", nr), given)
        R0[:, t] = np.where(np.isnan(given), prev * (1.0 + rgrowth), given)
        prev = R0[:, t]
    return R0
