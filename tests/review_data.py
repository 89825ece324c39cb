"""Actuals frames for the review tests and benchmark, built directly (the contract's columns)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kcplanner.dataset import ACTUAL_COLUMNS, KPI_ACTUAL_COLUMNS, REVENUE_ACTUAL_COLUMNS, SOURCE_COLUMNS

SPEND_KEYS = ("fund", "department", "program", "account_class")


def monthly(year: int, amounts, months=None) -> list[tuple[int, int, int, str, float]]:
    """(fiscal_year, first, last, kind, amount) rows, one a month (amounts: a number or 12 values)."""
    months = list(months or range(1, 13))
    values = [amounts] * len(months) if np.isscalar(amounts) else list(amounts)
    return [(year, m, m, "month", float(v)) for m, v in zip(months, values)]


def quarterly(year: int, amounts, quarters=(1, 2, 3, 4)) -> list[tuple[int, int, int, str, float]]:
    values = [amounts] * len(quarters) if np.isscalar(amounts) else list(amounts)
    return [(year, 3 * q - 2, 3 * q, "quarter", float(v)) for q, v in zip(quarters, values)]


def whole(year: int, amount: float) -> list[tuple[int, int, int, str, float]]:
    return [(year, 1, 12, "year", float(amount))]


def _frame(keys: dict, periods: list, columns: list[str], value: str = "amount") -> pd.DataFrame:
    rows = [{**keys, "fiscal_year": y, "first_month": f, "last_month": la, "period_kind": k, value: a}
            for y, f, la, k, a in periods]
    return pd.DataFrame(rows, columns=columns + SOURCE_COLUMNS)


def spending(group: tuple[str, str, str, str], periods: list, account: str = "5100") -> pd.DataFrame:
    return _frame({**dict(zip(SPEND_KEYS, group)), "account": account, "source_file": "actuals.csv",
                   "source_sheet": "Actuals", "source_row": 2}, periods, ACTUAL_COLUMNS)


def revenue(fund: str, source: str, periods: list) -> pd.DataFrame:
    return _frame({"fund": fund, "source": source, "source_file": "actuals.csv", "source_sheet": "Revenue Actuals",
                   "source_row": 2}, periods, REVENUE_ACTUAL_COLUMNS)


def kpi_actuals(kpi_id: str, periods: list) -> pd.DataFrame:
    return _frame({"kpi_id": kpi_id, "source_file": "plan.xlsx", "source_sheet": "KPI Actuals", "source_row": 2},
                  periods, KPI_ACTUAL_COLUMNS, value="value")


def concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True)
