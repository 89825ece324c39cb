"""Funds without revenue data (SPEC.md, "Funds"; docs/model.md).

A fund with no revenue line and no Funds row, as every fund of budget-only data (no plan workbook,
or a plan without Revenue and Funds sheets), has no balance, reserve ratio or structural balance:
those figures are NaN (JSON null), its status is `no_revenue_data`, it gets no policy finding, and
the findings hold one `no_revenue_data` note for it (year None: it holds for every plan year).
Its revenue (0: no revenue line) and expenditure stay as computed.
"""

from __future__ import annotations

import numpy as np

from .results import Finding

#: What the fund checks need, in the words the app and the CLI use.
MISSING_TEXT = "fund checks need the plan's Revenue and Funds sheets"
NO_DATA_KIND = "no_revenue_data"


def funds_without_data(n_funds: int, revenue_fund: np.ndarray, funds_row_fund: np.ndarray) -> np.ndarray:
    """(funds,) bool: True for a fund with no revenue line and no Funds row.

    `revenue_fund` is the fund code of each revenue line, `funds_row_fund` the fund code of each
    Funds row (-1 = none)."""
    has = np.zeros(n_funds, dtype=bool)
    for codes in (revenue_fund, funds_row_fund):
        codes = np.asarray(codes, dtype=np.int64)
        has[codes[(codes >= 0) & (codes < n_funds)]] = True
    out = ~has
    out.flags.writeable = False
    return out


def blank_figures(no_data: np.ndarray, *arrays: np.ndarray) -> None:
    """Set the rows of funds without data to NaN, in place (balance, ratio, structural, …)."""
    for a in arrays:
        a[no_data] = np.nan


def no_data_findings(names: list[str], no_data: np.ndarray) -> list[Finding]:
    """One `no_revenue_data` note per fund without data, in fund order."""
    return [Finding(names[f], None, NO_DATA_KIND,
                    f"{names[f]} has no revenue data (no Revenue lines and no Funds row): its balance, "
                    f"reserve and structural balance are not computed; {MISSING_TEXT}")
            for f in np.flatnonzero(no_data).tolist()]
