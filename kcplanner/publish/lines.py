"""The scenario's line items, one row each, with the funded requests as rows of their own: the
rows of the line-item CSV and of the departments' line-item tables.  Amounts are the engine's
(`Results.line_amounts()` and `Results.requests`), never recomputed."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..dataset import Dataset
from .goals import goals_of, kpi_goals
from .names import name_key

COLUMNS = ["department", "program", "fund", "fund_name", "account_class", "account", "goal", "proposed",
           "adopted", "prior", "request_id"]


def fund_names(dataset: Dataset) -> dict[str, str]:
    """Fund (matching key) → the Funds sheet's Fund name where given."""
    f = dataset.plan.funds
    return {name_key(k): str(v).strip() for k, v in zip(f["fund"], f["fund_name"])
            if v is not None and v == v and str(v).strip()}


def _fund_name(funds: pd.Series, dataset: Dataset) -> np.ndarray:
    names = fund_names(dataset)
    codes, uniques = pd.factorize(funds.astype(object))
    lut = np.array([names.get(name_key(u), str(u)) for u in uniques] + [""], dtype=object)
    return lut[codes]


def _amount(dataset: Dataset, year: int, phase: str) -> np.ndarray:
    am = dataset.budget.amounts
    col = (year, phase)
    return am[col].to_numpy(dtype=float) if col in am.columns else np.full(len(am), np.nan)


def scenario_lines(dataset: Dataset, results) -> pd.DataFrame:
    """COLUMNS: one row per line item in the dataset's order, then one per funded request.

    proposed = the scenario's y1 amount; adopted = the line's Adopted amount for y1 (NaN where not
    given; requests have none); prior = its Adopted amount for y0 (shown beside it on the site);
    request_id = None for a line item."""
    y1 = results.plan_years[0]
    li = dataset.budget.line_items
    _, scen = results.line_amounts()
    given = li["goal"] if "goal" in li.columns else None
    lines = pd.DataFrame({
        "department": li["department"].astype(object).to_numpy(), "program": li["program"].astype(object).to_numpy(),
        "fund": li["fund"].astype(object).to_numpy(), "fund_name": _fund_name(li["fund"], dataset),
        "account_class": li["account_class"].astype(object).to_numpy(), "account": li["account"].astype(object).to_numpy(),
        "goal": goals_of(li["department"], li["program"], given, dataset),
        "proposed": scen[:, 0] if len(li) else np.zeros(0), "adopted": _amount(dataset, y1, "Adopted"),
        "prior": _amount(dataset, y1 - 1, "Adopted"), "request_id": None})
    q = results.requests
    if not q.ids:
        return lines
    deps, progs = pd.Series(q.departments, dtype=object), pd.Series(q.programs, dtype=object)
    goals = goals_of(deps, progs, None, dataset)
    kg = kpi_goals(dataset)
    rq = dataset.budget.requests
    kpi_of = {name_key(r): k for r, k in zip(rq["request_id"], rq["kpi_id"]) if k is not None and k == k}
    by_kpi = np.array([kg.get(name_key(kpi_of.get(name_key(i), "")), None) for i in q.ids], dtype=object)
    goals = np.where(pd.isna(by_kpi), goals, by_kpi)
    funds = pd.Series(q.funds, dtype=object)
    requests = pd.DataFrame({
        "department": deps, "program": progs, "fund": funds, "fund_name": _fund_name(funds, dataset),
        "account_class": q.account_classes, "account": [f"Request {i}: {t}" for i, t in zip(q.ids, q.titles)],
        "goal": goals, "proposed": q.costs[:, 0], "adopted": np.nan, "prior": np.nan, "request_id": q.ids})
    return pd.concat([lines, requests], ignore_index=True)
