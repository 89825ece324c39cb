"""The quarterly review of fiscal year R through fiscal month p (SPEC, "The quarterly review").

`review(dataset)` reads the Dataset's actuals, budget and KPI actuals and returns a `Review`:
one row per spending group (fund, department, program, account class) and per revenue group
(fund, source) with budget B, actual to date A, expected share s (and where it came from),
year-end projection P = A ÷ s (B when s < 5%: too early to tell), variance V = P − B and flag;
departments, programs and funds summing their groups; the fund balance change; the KPIs' latest
values against the year's target.  The method and its choices: docs/review.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..dataset import Dataset
from ..periods import Period
from .kpis import kpi_table
from .ledger import LEVELS, Ledger, build_ledger, group_shares, latest

TOO_EARLY = 0.05
#: Relative slack of the flag comparisons, so a variance exactly at its tolerance is not flagged by rounding.
REL_TOL = 1e-9
SPENDING_DIMS = ["fund", "department", "program", "account_class"]
REVENUE_DIMS = ["fund", "source"]
SUMS = ["budget", "actual", "projection", "variance"]
GROUP_COLUMNS = SUMS[:2] + ["share", "share_from", "projection", "variance", "too_early", "flag"]


def _empty(index: list[str] | str, columns: list[str]) -> pd.DataFrame:
    if isinstance(index, list):
        idx = pd.MultiIndex.from_arrays([[] for _ in index], names=index)
    else:
        idx = pd.Index([], name=index, dtype=object)
    return pd.DataFrame({c: pd.Series(dtype=object if c.endswith("flag") or c == "period" else float)
                         for c in columns}, index=idx)


FUND_COLUMNS = [f"{side}_{c}" for side in ("expenditure", "revenue") for c in SUMS + ["flag"]] + ["balance_change"]
KPI_COLUMNS = ["latest", "period", "target", "met", "previous"]


@dataclass
class Review:
    """The review (see the module docstring); frames are empty when there is nothing to review.

    `spending` and `revenue` hold the group's name columns then GROUP_COLUMNS, one row a group;
    `share_from` is "group", "department" (revenue: "fund"), "city" or "elapsed" (p ÷ 12).
    """

    fiscal_year: int | None = None
    through: int | None = None
    through_label: str | None = None
    messages: list[str] = field(default_factory=list)
    spending: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SPENDING_DIMS + GROUP_COLUMNS))
    revenue: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REVENUE_DIMS + GROUP_COLUMNS))
    departments: pd.DataFrame = field(default_factory=lambda: _empty("department", SUMS + ["flag"]))
    programs: pd.DataFrame = field(default_factory=lambda: _empty(["department", "program"], SUMS + ["flag"]))
    funds: pd.DataFrame = field(default_factory=lambda: _empty("fund", FUND_COLUMNS))
    kpis: pd.DataFrame = field(default_factory=lambda: _empty("kpi_id", KPI_COLUMNS))
    #: the spending side's dense arrays and its reviewed rows (for burn_up)
    _ledger: Ledger | None = field(default=None, repr=False)
    _rows: np.ndarray | None = field(default=None, repr=False)
    _projection: np.ndarray | None = field(default=None, repr=False)


def _resolve(dataset: Dataset, fiscal_year: int | None, through) -> tuple[int | None, int | None]:
    if isinstance(through, Period):
        if fiscal_year is not None and fiscal_year != through.fiscal_year:
            raise ValueError(f"through {through.label} is not in the fiscal year reviewed, FY{fiscal_year}")
        fiscal_year, through = through.fiscal_year, through.last_month
    if through is not None and not (isinstance(through, (int, np.integer)) and 1 <= through <= 12):
        raise ValueError(f"through: expected a fiscal month 1-12 or a period, found {through!r}")
    year, p = latest([dataset.budget.actuals, dataset.budget.revenue_actuals], fiscal_year)
    return year, (int(through) if through is not None and year is not None else p)


def flags(variance: np.ndarray, budget: np.ndarray, projection: np.ndarray, over: float | None,
          under: float) -> np.ndarray:
    """"over" when V > over×B, "under" ("short" for revenue: over None) when V < −under×B."""
    slack = REL_TOL * np.maximum(np.abs(budget), np.abs(projection))
    low = variance < -under * budget - slack
    out = np.where(low, "short" if over is None else "under", None).astype(object)
    if over is not None:
        out[variance > over * budget + slack] = "over"
    return out


def _side(ledger: Ledger, p: int, over: float | None, under: float, dims: list[str], middle: str):
    rows = np.flatnonzero(ledger.reviewed)
    share, level = group_shares(ledger, rows, np.array([p]))
    share, level = share[:, 0], level[:, 0]
    actual = ledger.M[rows, 0, :].sum(axis=1)
    budget = ledger.budget[rows]
    early = share < TOO_EARLY * (1 - REL_TOL)  # exactly 5% is not too early, whatever the rounding
    with np.errstate(divide="ignore", invalid="ignore"):
        projection = np.where(early, budget, actual / np.where(early, 1.0, share))
    variance = projection - budget
    names = {d: ledger.vocab[j].labels(ledger.dims[rows, j]) for j, d in enumerate(dims)}
    level_names = np.array([LEVELS[0], middle, *LEVELS[2:]], dtype=object)
    frame = pd.DataFrame({**names, "budget": budget, "actual": actual, "share": share,
                          "share_from": level_names[level], "projection": projection, "variance": variance,
                          "too_early": early,
                          "flag": pd.Series(flags(variance, budget, projection, over, under), dtype=object)})
    return frame, rows


def _sum_by(frame: pd.DataFrame, keys: list[str], over: float | None, under: float) -> pd.DataFrame:
    out = frame.groupby(keys, sort=True, dropna=False)[SUMS].sum()
    out["flag"] = pd.Series(flags(out["variance"].to_numpy(), out["budget"].to_numpy(),
                                  out["projection"].to_numpy(), over, under), index=out.index, dtype=object)
    return out


def review(dataset: Dataset, fiscal_year: int | None = None, through: int | Period | None = None) -> Review:
    """The quarterly review of `fiscal_year` (default: the latest with spending or revenue actuals)
    through fiscal month `through` (1-12 or a Period; default: the latest month a period of that
    year with spending or revenue actuals ends in).  Raises ValueError for a bad `through`."""
    year, p = _resolve(dataset, fiscal_year, through)
    if year is None:
        return Review(messages=["No spending or revenue actuals: nothing to review"])
    if p is None:
        return Review(fiscal_year=year, messages=[f"No spending or revenue actuals for FY{year}: nothing to review"])
    settings = dataset.plan.settings
    r = Review(fiscal_year=year, through=p, through_label=f"FY{year} P{p:02d}")
    budget = dataset.budget
    adopted = (year, "Adopted")
    spend_b = (budget.amounts[adopted].to_numpy(dtype=np.float64) if adopted in budget.amounts.columns
               else np.full(len(budget.line_items), np.nan))
    spend = build_ledger(budget.actuals, budget.line_items, spend_b, ~np.isnan(spend_b), SPENDING_DIMS, 1, year, p)
    plan = dataset.plan
    rev_b = _revenue_budget(plan.revenue_amounts, year, len(plan.revenue))
    revenue = build_ledger(budget.revenue_actuals, plan.revenue, rev_b, ~np.isnan(rev_b), REVENUE_DIMS, 0, year, p)
    through_text = f"FY{year} P{p:02d}"
    if spend.in_r.any():
        if not np.isfinite(spend_b).any():
            r.messages.append(f"No Adopted budget for FY{year}: spending is reviewed against a budget of 0")
        r.spending, r._rows = _side(spend, p, settings.overspend_tolerance, settings.underspend_tolerance,
                                    SPENDING_DIMS, "department")
        r._ledger, r._projection = spend, r.spending["projection"].to_numpy(dtype=np.float64, copy=True)
        r.departments = _sum_by(r.spending, ["department"], settings.overspend_tolerance,
                                settings.underspend_tolerance)
        r.programs = _sum_by(r.spending, ["department", "program"], settings.overspend_tolerance,
                             settings.underspend_tolerance)
    else:
        r.messages.append(f"No spending actuals for FY{year} through {through_text}: spending is not reviewed")
    if revenue.in_r.any():
        r.revenue, _ = _side(revenue, p, None, settings.revenue_tolerance, REVENUE_DIMS, "fund")
    else:
        r.messages.append(f"No revenue actuals for FY{year} through {through_text}: revenue is not reviewed"
                          + (" (the fund balance change takes it as on budget)" if len(r.spending) else ""))
    r.funds = _funds(r, settings)
    r.kpis = kpi_table(plan, year, p)
    return r


def _revenue_budget(amounts: pd.DataFrame, year: int, n: int) -> np.ndarray:
    """Each revenue line's Estimate for R where given, else its Adopted amount for R."""
    out = np.full(n, np.nan)
    for phase in ("Adopted", "Estimate"):
        if (year, phase) in amounts.columns:
            values = amounts[(year, phase)].to_numpy(dtype=np.float64)
            out = np.where(np.isnan(values), out, values)
    return out


def _funds(r: Review, settings) -> pd.DataFrame:
    if not len(r.spending) and not len(r.revenue):
        return _empty("fund", FUND_COLUMNS)
    parts = []
    for side, frame, over, under in (
            ("expenditure", r.spending, settings.overspend_tolerance, settings.underspend_tolerance),
            ("revenue", r.revenue, None, settings.revenue_tolerance)):
        if len(frame):
            parts.append(_sum_by(frame, ["fund"], over, under).add_prefix(f"{side}_"))
        else:
            parts.append(_empty("fund", [f"{side}_{c}" for c in SUMS + ["flag"]]))
    out = parts[0].join(parts[1], how="outer").sort_index()
    for side, frame in (("expenditure", r.spending), ("revenue", r.revenue)):
        if len(frame):  # reviewed: a fund without groups on this side has none of it (0), not unknown
            cols = [f"{side}_{c}" for c in SUMS]
            out[cols] = out[cols].astype(float).fillna(0.0)
    out["balance_change"] = (out["revenue_variance"].fillna(0.0).astype(float)
                             - out["expenditure_variance"].fillna(0.0).astype(float))
    for side in ("expenditure", "revenue"):
        col = out[f"{side}_flag"].astype(object)
        out[f"{side}_flag"] = pd.Series(np.where(col.notna(), col, None), index=out.index, dtype=object)
    return out[FUND_COLUMNS]
