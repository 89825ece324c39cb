"""The open data files (SPEC, "The open budget site"), as tables and as CSV bytes.

- data/line-items.csv: year, goal, department, program, fund_name, expenditure_type, description,
  proposed, adopted: one row per line item of the scenario, funded requests as rows of their own.
- data/revenue.csv: year, fund_name, source, recurring, proposed, adopted: one row per revenue line.
- data/kpis.csv: kpi_id, kpi, goal, department, unit, direction, year, actual, target, projected, met:
  one row per KPI and year that has a history value, a target or a projection.
- data/funds.csv: fund_name, year, revenue, expenditure, balance, reserve_ratio, reserve_floor,
  reserve_target, reserve_ceiling, structural_balance: the five-year outlook.
Amounts are dollars to the cent; an empty cell means "not given".
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from ..dataset import Dataset
from .goals import NO_GOAL, kpi_goals
from .lines import fund_names
from .names import name_key

LINE_ITEM_COLUMNS = ["year", "goal", "department", "program", "fund_name", "expenditure_type", "description",
                     "proposed", "adopted"]
REVENUE_COLUMNS = ["year", "fund_name", "source", "recurring", "proposed", "adopted"]
KPI_COLUMNS = ["kpi_id", "kpi", "goal", "department", "unit", "direction", "year", "actual", "target",
               "projected", "met"]
FUND_COLUMNS = ["fund_name", "year", "revenue", "expenditure", "balance", "reserve_ratio", "reserve_floor",
                "reserve_target", "reserve_ceiling", "structural_balance"]


def line_items_table(lines: pd.DataFrame, year: int) -> pd.DataFrame:
    return pd.DataFrame({
        "year": year, "goal": np.where(lines["goal"].to_numpy() == NO_GOAL, "", lines["goal"].to_numpy()),
        "department": lines["department"], "program": lines["program"], "fund_name": lines["fund_name"],
        "expenditure_type": lines["account_class"], "description": lines["account"],
        "proposed": _cents(lines["proposed"]), "adopted": _cents(lines["adopted"])})[LINE_ITEM_COLUMNS]


def revenue_table(dataset: Dataset, results) -> pd.DataFrame:
    r = results.revenue
    y1 = results.plan_years[0]
    names = fund_names(dataset)
    am = dataset.plan.revenue_amounts
    adopted = am[(y1, "Adopted")].to_numpy(dtype=float) if (y1, "Adopted") in am.columns else np.full(len(r.funds), np.nan)
    return pd.DataFrame({
        "year": y1, "fund_name": [names.get(name_key(f), f) for f in r.funds], "source": r.sources,
        "recurring": np.where(np.asarray(r.recurring, dtype=bool), "Y", "N"),
        "proposed": _cents(r.scenario[:, 0] if len(r.funds) else np.zeros(0)),
        "adopted": _cents(adopted[:len(r.funds)])})[REVENUE_COLUMNS]


def kpi_table(dataset: Dataset, results) -> pd.DataFrame:
    """One row per KPI and year: history (actual), target and the scenario's projection."""
    k = results.kpis
    plan = dataset.plan
    if not k.ids:
        return pd.DataFrame(columns=KPI_COLUMNS)
    years = list(results.plan_years)
    parts = [pd.DataFrame({"kpi_id": np.repeat(k.ids, len(years)), "year": np.tile(years, len(k.ids)),
                           "projected": k.scenario.reshape(-1),
                           "met": np.where(k.has_target, np.where(k.met, "yes", "no"), "").reshape(-1)})]
    hist = plan.kpi_history
    if len(hist):
        parts.append(pd.DataFrame({"kpi_id": hist["kpi_id"].astype(object).to_numpy(),
                                   "year": hist["fiscal_year"].astype(int).to_numpy(),
                                   "actual": hist["value"].astype(float).to_numpy()}))
    targets = plan.kpi_targets
    if targets.shape[1]:
        t = targets.stack().rename("target").reset_index()
        t.columns = ["kpi_id", "year", "target"]
        parts.append(t.assign(year=t["year"].astype(int)))
    rows = pd.concat(parts, ignore_index=True).reindex(columns=["kpi_id", "year", "actual", "target", "projected", "met"])
    rows["key"] = rows["kpi_id"].map(name_key)
    agg = rows.groupby(["key", "year"], sort=False).agg(
        actual=("actual", "first"), target=("target", "first"), projected=("projected", "first"),
        met=("met", "first")).reset_index()
    info = _kpi_info(dataset, results)
    out = agg.merge(info, on="key", how="inner").sort_values(["order", "year"])
    out["met"] = out["met"].fillna("")
    return out[KPI_COLUMNS].reset_index(drop=True)


def _kpi_info(dataset: Dataset, results) -> pd.DataFrame:
    k = results.kpis
    plan_k = dataset.plan.kpis
    dept = {name_key(i): d for i, d in zip(plan_k["kpi_id"], plan_k["department"].astype(object))}
    goals = kpi_goals(dataset)
    keys = [name_key(i) for i in k.ids]
    return pd.DataFrame({
        "key": keys, "order": range(len(keys)), "kpi_id": k.ids, "kpi": k.names,
        "goal": [goals.get(key, "") for key in keys],
        "department": [d if isinstance(d, str) else "" for d in (dept.get(key) for key in keys)],
        "unit": [u or "" for u in k.units],
        "direction": np.where(np.asarray(k.direction) > 0, "Higher is better", "Lower is better")})


def funds_table(dataset: Dataset, results) -> pd.DataFrame:
    f = results.funds
    names = fund_names(dataset)
    years = list(results.plan_years)
    n = len(f.names)

    def per_year(a):
        return np.asarray(a, dtype=float).reshape(-1)

    def per_fund(a):
        return np.repeat(np.asarray(a, dtype=float), len(years))

    return pd.DataFrame({
        "fund_name": np.repeat([names.get(name_key(x), x) for x in f.names], len(years)),
        "year": np.tile(years, n), "revenue": _cents(per_year(f.revenue)), "expenditure": _cents(per_year(f.expenditure)),
        "balance": _cents(per_year(f.balance)), "reserve_ratio": np.round(per_year(f.reserve_ratio), 6),
        "reserve_floor": per_fund(f.floor), "reserve_target": per_fund(f.target), "reserve_ceiling": per_fund(f.ceiling),
        "structural_balance": _cents(per_year(f.structural))})[FUND_COLUMNS]


def _cents(values) -> np.ndarray:
    return np.round(np.asarray(values, dtype=float), 2) + 0.0  # no "-0"


def csv_bytes(table: pd.DataFrame) -> bytes:
    """UTF-8 CSV without a byte-order mark, "\\n" lines; numbers in their shortest exact form (amounts
    were rounded to the cent, so `1234.5`, never `1234.4999999`)."""
    buf = io.StringIO()
    table.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode("utf-8")
