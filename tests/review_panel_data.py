"""A realistic dataset with actuals for the Review panel's tests and screenshot: the generated sample
city's own actuals (kcplanner.sample.city.generate(...).actuals: monthly spending, quarterly revenue,
quarterly KPIs) put into a dataset read from that sample's workbooks, in the contract's columns.
(Until the actuals readers are merged, reading the sample does not fill them.)"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from kcplanner.dataset import ACTUAL_COLUMNS, KPI_ACTUAL_COLUMNS, REVENUE_ACTUAL_COLUMNS, SOURCE_COLUMNS


def _source(frame: pd.DataFrame, sheet: str) -> pd.DataFrame:
    frame = frame.copy()
    frame["source_file"], frame["source_sheet"] = "actuals.xlsx", sheet
    frame["source_row"] = np.arange(len(frame)) + 2
    return frame


def actual_frames(actuals) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """SampleActuals → (Budget.actuals, Budget.revenue_actuals, Plan.kpi_actuals)."""
    s = actuals.spending
    spend = pd.DataFrame({"fund": s["fund"], "department": s["department"], "program": s["program"],
                          "account": "", "account_class": s["account_class"], "fiscal_year": s["fiscal_year"],
                          "first_month": s["month"], "last_month": s["month"], "period_kind": "month",
                          "amount": s["amount"]})
    r = actuals.revenue
    q = r["quarter"].to_numpy()
    rev = pd.DataFrame({"fund": r["fund"], "source": r["source"], "fiscal_year": r["fiscal_year"],
                        "first_month": 3 * q - 2, "last_month": 3 * q, "period_kind": "quarter", "amount": r["amount"]})
    k = actuals.kpis
    kq = k["quarter"].to_numpy()
    whole = kq == 0
    kpis = pd.DataFrame({"kpi_id": k["kpi_id"], "fiscal_year": k["fiscal_year"],
                         "first_month": np.where(whole, 1, 3 * kq - 2), "last_month": np.where(whole, 12, 3 * kq),
                         "period_kind": np.where(whole, "year", "quarter"), "value": k["value"]})
    return (_source(spend, "Actuals")[ACTUAL_COLUMNS + SOURCE_COLUMNS],
            _source(rev, "Revenue Actuals")[REVENUE_ACTUAL_COLUMNS + SOURCE_COLUMNS],
            _source(kpis, "KPI Actuals")[KPI_ACTUAL_COLUMNS + SOURCE_COLUMNS])


def with_actuals(dataset, spend: pd.DataFrame, revenue: pd.DataFrame, kpis: pd.DataFrame):
    budget = dataclasses.replace(dataset.budget, actuals=spend, revenue_actuals=revenue)
    plan = dataclasses.replace(dataset.plan, kpi_actuals=kpis)
    return dataclasses.replace(dataset, budget=budget, plan=plan)


def sample_with_actuals(dataset, lines: int, seed: int | None = None):
    """`dataset` (read from `write_sample(folder, lines=lines, seed=seed)`) with the sample's actuals."""
    from kcplanner.sample import DEFAULT_SEED
    from kcplanner.sample.city import generate

    city = generate(lines=lines, seed=DEFAULT_SEED if seed is None else seed)
    return with_actuals(dataset, *actual_frames(city.actuals))
