"""Warnings about the history that the readers cannot see: a driver's spending history with a gap
(SPEC "Evidence for the drivers": a year with neither a line item's Actual nor complete Actuals rows,
between years that have one).  The years on either side of a gap cannot be paired, so the estimate
has fewer points; the warning names the driver, the missing years, and the file and sheet of the
department's line items (a missing year has no cell of its own)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..dataset import Dataset
from ..report import ValidationReport

MAX_MESSAGES = 50


def _where(dataset: Dataset, department: object) -> tuple[str, str]:
    li = dataset.budget.line_items
    if not len(li) or "source_file" not in li.columns:
        return "", ""
    rows = li[li["department"].astype(object) == department]
    if not len(rows):
        return "", ""
    return str(rows["source_file"].iat[0]), str(rows["source_sheet"].iat[0])


def spending_gaps(report: ValidationReport, dataset: Dataset, S: pd.DataFrame) -> None:
    """One warning per driver whose spending history skips a year between its first and last."""
    if not len(S.columns):
        return
    years = np.asarray(S.columns, dtype=np.int64)
    full = np.arange(years.min(), years.max() + 1)
    V = S.reindex(columns=full).to_numpy(dtype=np.float64)
    given = np.isfinite(V)
    drivers = dataset.plan.drivers
    seen: set = set()
    n = 0
    for i, g in enumerate(given):
        if not g.any():
            continue
        lo, hi = np.flatnonzero(g)[[0, -1]]
        missing = full[lo:hi + 1][~g[lo:hi + 1]]
        if not len(missing):
            continue
        d = drivers.iloc[i]
        dept, prog = d["department"], d["program"]
        key = (str(dept), str(prog) if pd.notna(prog) else None, tuple(missing.tolist()))
        if key in seen:  # one program driving several KPIs: one warning
            continue
        seen.add(key)
        n += 1
        if n > MAX_MESSAGES:
            continue
        what = f"{dept} / {prog}" if pd.notna(prog) else f"{dept} (the whole department)"
        ys = ", ".join(f"FY{y}" for y in missing)
        file, sheet = _where(dataset, dept)
        report.warning(file, sheet, "", f"the spending history of {what} has a gap: no {ys} between FY{full[lo]} and "
                       f"FY{full[hi]} (expected a line item's Actual for the year, or complete Actuals rows for it); "
                       "the years on either side of the gap are not paired in the driver evidence")
    if n > MAX_MESSAGES:
        report.warning("", "", "", f"… and {n - MAX_MESSAGES} more spending histories with a gap")
