"""Reading the numbers, flags and per-year columns of an input table as numpy arrays.

Missing columns and unreadable cells get the documented default (NaN, 0, Recurring = Y), so
`prepare` never fails on a sparse table.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ..fiscal import parse_fiscal_year
from .codes import _is_missing


def _float(frame: pd.DataFrame, col: str, n: int, default: float = np.nan) -> np.ndarray:
    if col not in frame.columns:
        return np.full(n, default)
    out = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if not math.isnan(default):
        out = np.where(np.isnan(out), default, out)
    return out


def _flags(frame: pd.DataFrame, col: str, n: int) -> np.ndarray:
    """Recurring flags: True unless the cell says N/No/False (default Y)."""
    if col not in frame.columns:
        return np.ones(n, dtype=bool)
    s = frame[col]
    if s.dtype == bool:
        return s.to_numpy(dtype=bool)
    text = s.astype(object).map(lambda v: v if isinstance(v, (bool, np.bool_)) else
                                (None if _is_missing(v) else str(v).strip().casefold()))
    out = ~text.isin([False, "n", "no", "false", "0", "f"]).to_numpy(dtype=bool)
    return out


def _year_columns(frame: pd.DataFrame) -> dict[int, Any]:
    """Columns of a per-year table (assumptions, targets, request costs) by fiscal year."""
    out: dict[int, Any] = {}
    for col in frame.columns:
        year = parse_fiscal_year(col)
        if year is not None and year not in out:
            out[year] = col
    return out


def _phase_column(amounts: pd.DataFrame, year: int, phase: str, n: int) -> np.ndarray:
    if (year, phase) in amounts.columns:
        return pd.to_numeric(amounts[(year, phase)], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return np.full(n, np.nan)


def _phase_years(amounts: pd.DataFrame, phase: str) -> list[int]:
    return sorted({int(y) for (y, p) in amounts.columns if p == phase})
