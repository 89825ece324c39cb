"""A department's or program's burn-up path through the year, for the review's chart."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .core import Review
from .ledger import MONTHS, group_shares, _key


def burn_up(r: Review, department: str | None = None, program: str | None = None) -> pd.DataFrame:
    """Indexed by fiscal month 1..12: actual (cumulative actual to date, NaN after p), expected
    (Σ over the selected groups of their expected share through the month × budget, with the same
    fallbacks as the review), budget and projection (constant: the selection's totals).  Without a
    department or program, the whole city's spending; no rows when spending is not reviewed."""
    months = pd.RangeIndex(1, MONTHS + 1, name="month")
    ledger, rows = r._ledger, r._rows
    if ledger is None or rows is None or not len(rows):
        return pd.DataFrame({c: pd.Series(dtype=float) for c in ("actual", "expected", "budget", "projection")})
    pick = np.ones(len(rows), dtype=bool)
    for j, name in ((1, department), (2, program)):
        if name is not None:
            code = ledger.vocab[j].index.get(_key(name), -2)
            pick &= ledger.dims[rows, j] == code
    sel = rows[pick]
    share, _level = group_shares(ledger, sel, np.arange(1, MONTHS + 1))
    budget = ledger.budget[sel]
    actual = np.cumsum(ledger.M[sel, 0, :].sum(axis=0))
    actual[r.through:] = np.nan
    return pd.DataFrame({"actual": actual, "expected": (share * budget[:, None]).sum(axis=0),
                         "budget": float(budget.sum()), "projection": float(r._projection[pick].sum())},
                        index=months)
