"""The yearly histories the evidence rests on (SPEC, "Evidence for the drivers, and the KPI review").

- K[t], a KPI's history: its KPI Actuals yearly values, then the years an import mapping gives
  (both already merged, in that order, into `plan.kpi_history` by the readers), then its Baseline at
  Baseline FY (default y0); where two give the same year the first wins.
- S_d[t], a driver's spending: the sum of the Actual amounts for t of the line items of its program
  (or department) where at least one of them has an Actual for t; else, where year t of the Actuals
  rows is complete (the review's rule, `periods.complete_years`), the sum of its Actuals rows in t
  (none = 0: a program with no row in a complete year spent nothing); else not given (NaN).

Both come back as wide frames (rows: KPIs in sheet order / driver rows; columns: fiscal years).
Names match by the shared categorical codes `Dataset.unify` gives every table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..dataset import Dataset
from ..periods import complete_years


def _key(value: object) -> str:
    return " ".join(str(value).split()).casefold()


def kpi_history(dataset: Dataset) -> pd.DataFrame:
    """Rows kpi_id (the KPIs sheet's order), columns fiscal_year (sorted), values K[t]; NaN = not given."""
    plan = dataset.plan
    ids = [str(k) for k in plan.kpis["kpi_id"]]
    spelled = {_key(k): k for k in ids}
    parts = []
    hist = plan.kpi_history
    if len(hist):
        parts.append(pd.DataFrame({"kpi_id": [spelled.get(_key(k)) for k in hist["kpi_id"]],
                                   "fiscal_year": np.asarray(hist["fiscal_year"], dtype=np.int64),
                                   "value": np.asarray(hist["value"], dtype=np.float64)}))
    if ids:
        y0 = dataset.first_plan_year - 1
        bfy = plan.kpis["baseline_fy"]
        parts.append(pd.DataFrame({"kpi_id": ids,
                                   "fiscal_year": [int(y) if pd.notna(y) else y0 for y in bfy],
                                   "value": np.asarray(plan.kpis["baseline"], dtype=np.float64)}))
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["kpi_id", "fiscal_year", "value"])
    frame = frame[frame["kpi_id"].notna() & frame["value"].notna()]
    frame = frame.drop_duplicates(["kpi_id", "fiscal_year"], keep="first")  # the first source wins
    years = sorted(int(y) for y in frame["fiscal_year"].unique())
    wide = frame.pivot(index="kpi_id", columns="fiscal_year", values="value") if len(frame) else pd.DataFrame()
    wide = wide.reindex(index=ids, columns=years).astype(np.float64)
    wide.index.name, wide.columns.name = "kpi_id", "fiscal_year"
    return wide


def _keys(column: pd.Series) -> np.ndarray:
    """Each name's match key (case-insensitive, spaces collapsed), computed once per distinct name; None = blank."""
    codes, uniques = pd.factorize(column.astype(object), use_na_sentinel=True)
    keys = np.array([_key(u) for u in uniques] + [None], dtype=object)
    return keys[codes]


class _Units:
    """Rows reduced to (department, program) units, and which units each driver sums."""

    def __init__(self, dept: pd.Series, prog: pd.Series):
        pair = pd.Series(_keys(dept)).fillna("") + "\x1f" + pd.Series(_keys(prog)).fillna("")
        self.row_unit, names = pd.factorize(pair)
        split = [n.split("\x1f") for n in names]
        self.dept = np.array([d for d, _ in split], dtype=object)
        self.prog = np.array([p for _, p in split], dtype=object)
        self.n = len(names)

    def of(self, drivers: pd.DataFrame) -> list[np.ndarray]:
        """Per driver, the mask of its units: its program, or its whole department (Program blank)."""
        out = []
        for d, p in zip(_keys(drivers["department"]), _keys(drivers["program"])):
            m = self.dept == d
            if p is not None:
                m = m & (self.prog == p)
            out.append(m)
        return out


def _empty(drivers: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(index=drivers.index, columns=pd.Index([], dtype=np.int64), dtype=np.float64)


def _line_item_sums(dataset: Dataset, drivers: pd.DataFrame) -> pd.DataFrame:
    """Per driver and year, Σ Actual of its line items where at least one has an Actual (else NaN)."""
    li, amounts = dataset.budget.line_items, dataset.budget.amounts
    pos = np.flatnonzero(amounts.columns.get_level_values(1) == "Actual") if len(amounts.columns) else []
    if not len(pos) or not len(li):
        return _empty(drivers)
    years = [int(y) for y in amounts.columns.get_level_values(0)[pos]]
    cols = pos
    A = amounts.iloc[:, pos].to_numpy(dtype=np.float64)
    has = ~np.isnan(A)
    units = _Units(li["department"], li["program"])
    U, Y = units.n, len(cols)
    cell = (units.row_unit[:, None] * Y + np.arange(Y)[None, :]).ravel()
    sums = np.bincount(cell, weights=np.where(has, A, 0.0).ravel(), minlength=U * Y).reshape(U, Y)
    counts = np.bincount(cell, weights=has.ravel(), minlength=U * Y).reshape(U, Y)
    out = np.full((len(drivers), Y), np.nan)
    for i, m in enumerate(units.of(drivers)):
        out[i] = np.where(counts[m].sum(axis=0) > 0, sums[m].sum(axis=0), np.nan)
    return pd.DataFrame(out, index=drivers.index, columns=years)


def _actuals_sums(dataset: Dataset, drivers: pd.DataFrame) -> pd.DataFrame:
    """Per driver and complete year of the Actuals rows, the sum of its rows (0 without any)."""
    act = dataset.budget.actuals
    if not len(act):
        return _empty(drivers)
    fy = np.asarray(act["fiscal_year"], dtype=np.int64)
    years = complete_years(fy, act["first_month"], act["last_month"])
    if not years:
        return _empty(drivers)
    keep = np.isin(fy, years)
    rows = act[keep]
    amount = np.nan_to_num(np.asarray(rows["amount"], dtype=np.float64))
    units = _Units(rows["department"], rows["program"])
    U, Y = units.n, len(years)
    yi = np.searchsorted(years, fy[keep])
    sums = np.bincount(units.row_unit * Y + yi, weights=amount, minlength=U * Y).reshape(U, Y)
    out = np.zeros((len(drivers), Y))
    for i, m in enumerate(units.of(drivers)):
        out[i] = sums[m].sum(axis=0)
    return pd.DataFrame(out, index=drivers.index, columns=years)


def spending_history(dataset: Dataset) -> pd.DataFrame:
    """Rows = the Drivers sheet's rows (its index), columns fiscal_year (sorted), values S_d[t]."""
    drivers = dataset.plan.drivers
    li = _line_item_sums(dataset, drivers)
    ac = _actuals_sums(dataset, drivers)
    years = sorted(set(int(y) for y in li.columns) | set(int(y) for y in ac.columns))
    li = li.reindex(columns=years).astype(np.float64)
    ac = ac.reindex(columns=years).astype(np.float64)
    out = li.where(li.notna(), ac)
    out.columns.name = "fiscal_year"
    return out
