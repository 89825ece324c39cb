"""The sample city's tables: line items, positions, requests, revenue and funds (`generate`), and
the baseline projections the tests and docs check them against.

Every random draw comes from one `numpy.random.Generator(PCG64(seed))` consumed in a fixed order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import names as S
from .actuals import SampleActuals, generate_actuals
from .history import SampleHistory, generate_history
from .lines import department_lines, department_positions, lines_per_department
from .names import PLAN_YEARS, Y1

DEFAULT_LINES = 20000
DEFAULT_SEED = 1


@dataclass
class SampleCity:
    """The generated tables, before they are written (also handy in tests and docs)."""

    lines: pd.DataFrame  # fund, department, program, account, account_class, recurring + AMOUNT_KEYS
    positions: pd.DataFrame
    requests: pd.DataFrame  # with cost_<year> columns
    revenue: pd.DataFrame  # fund, source, recurring, growth (%), a2024, a2025, adopted, estimate, projected
    funds: pd.DataFrame  # fund, fund_name, beginning_balance, floor, target, ceiling (%)
    actuals: SampleActuals | None = field(default=None)  # monthly spending, quarterly revenue, KPI actuals
    history: SampleHistory | None = field(default=None)  # yearly spending and KPI history, past targets


def _request_costs(base: float, profile: str) -> list[float | None]:
    if profile == "ongoing":
        vals = [base * 1.03 ** k for k in range(5)]
    elif profile == "onetime":
        vals = [base, None, None, None, None]
    elif profile == "capital2":
        vals = [base, base, None, None, None]
    elif profile == "phased":
        vals = [base / 2] + [base * 1.03 ** k for k in range(4)]
    else:  # pragma: no cover - data error
        raise ValueError(profile)
    return [None if v is None else float(round(v, -3)) for v in vals]


def baseline_expenditure(lines: pd.DataFrame) -> pd.DataFrame:
    """SPEC's baseline expenditure E0 per line (rows) and plan year (columns), before any scenario."""
    g = {c: S.GROWTH[c] for c in S.GROWTH}
    cls = lines["account_class"]
    g1 = cls.map(lambda c: g[c][0] / 100)
    latest_actual = lines["a2025"].where(lines["a2025"].notna(), lines["a2024"])
    e = lines["requested"].where(lines["requested"].notna(),
                                 (lines["adopted"].where(lines["adopted"].notna(), latest_actual)) * (1 + g1)).fillna(0.0)
    out = {Y1: e}
    recurring = lines["recurring"] == "Y"
    for k, year in enumerate(PLAN_YEARS[1:], start=1):
        gk = cls.map(lambda c, k=k: g[c][k] / 100)
        e = e * (1 + gk)
        out[year] = e.where(recurring, 0.0)
    return pd.DataFrame(out)


def _revenue(rng: np.random.Generator, revenue_y1: dict[str, float]) -> pd.DataFrame:
    rows = []
    for fund, _name, *_ in S.FUNDS:
        total = revenue_y1[fund]
        for source, share, recurring, growth, projected in S.REVENUE_SOURCES[fund]:
            r1 = total * share
            g = growth / 100
            estimate = r1 / (1 + g) * (rng.uniform(0.99, 1.01) if projected else 1.0)
            adopted = estimate * rng.uniform(0.97, 1.02)
            a2025 = estimate / (1 + g) * rng.uniform(0.97, 1.03)
            a2024 = a2025 / (1 + g) * rng.uniform(0.97, 1.03)
            rows.append((fund, source, "Y" if recurring else "N", growth, round(a2024, 2), round(a2025, 2),
                         round(adopted, -3), round(estimate, -3), round(r1, -3) if projected else np.nan))
    return pd.DataFrame(rows, columns=["fund", "source", "recurring", "growth", "a2024", "a2025", "adopted",
                                       "estimate", "projected"])


def baseline_revenue(revenue: pd.DataFrame) -> pd.DataFrame:
    """SPEC's baseline revenue R0 per revenue line and plan year (Projected, else Estimate grown)."""
    g = revenue["growth"] / 100
    r = revenue["projected"].where(revenue["projected"].notna(), revenue["estimate"] * (1 + g))
    out = {Y1: r}
    for year in PLAN_YEARS[1:]:
        r = r * (1 + g)
        out[year] = r
    return pd.DataFrame(out)


def fund_projection(city: SampleCity) -> pd.DataFrame:
    """Baseline revenue, expenditure, balance, reserve ratio and structural balance by fund and year."""
    exp = baseline_expenditure(city.lines)
    exp_by_fund = exp.groupby(city.lines["fund"]).sum()
    rec_exp = exp[city.lines["recurring"] == "Y"].groupby(city.lines["fund"]).sum()
    rev = baseline_revenue(city.revenue)
    rev_by_fund = rev.groupby(city.revenue["fund"]).sum()
    rec_rev = rev[city.revenue["recurring"] == "Y"].groupby(city.revenue["fund"]).sum()
    rows = []
    for fund, bal0, floor, target, ceiling in city.funds[["fund", "beginning_balance", "floor", "target", "ceiling"]].itertuples(index=False):
        bal = bal0
        for year in PLAN_YEARS:
            r = float(rev_by_fund.loc[fund, year]) if fund in rev_by_fund.index else 0.0
            e = float(exp_by_fund.loc[fund, year]) if fund in exp_by_fund.index else 0.0
            bal = bal + r - e
            structural = (float(rec_rev.loc[fund, year]) if fund in rec_rev.index else 0.0) - \
                         (float(rec_exp.loc[fund, year]) if fund in rec_exp.index else 0.0)
            ratio = bal / e if e else np.nan
            rows.append((fund, year, r, e, bal, ratio, structural,
                         ratio < floor / 100, ratio > ceiling / 100))
    return pd.DataFrame(rows, columns=["fund", "year", "revenue", "expenditure", "balance", "reserve_ratio",
                                       "structural", "below_floor", "above_ceiling"])


def generate(lines: int = DEFAULT_LINES, seed: int = DEFAULT_SEED) -> SampleCity:
    """Draw the sample city's tables (nothing is written)."""
    rng = np.random.Generator(np.random.PCG64(seed))
    counts = lines_per_department(lines)
    weights = np.array([d.adopted_millions for d in S.DEPARTMENTS])
    totals = weights / weights.sum() * S.TOTAL_ADOPTED
    parts, positions = [], []
    for dept, n, total in zip(S.DEPARTMENTS, counts, totals):
        df = department_lines(rng, dept, n, float(total))
        parts.append(df)
        positions.extend(department_positions(rng, dept, df))
    all_lines = pd.concat(parts, ignore_index=True)
    pos = pd.DataFrame(positions, columns=["department", "program", "position", "fte", "cost_per_fte"])

    reqs = []
    rank: dict[str, int] = {}
    for dept, program, fund, title, rtype, cls, rec, base, profile, fte, why, kpi in S.REQUESTS:
        code = next(d.code for d in S.DEPARTMENTS if d.name == dept)
        rank[dept] = rank.get(dept, 0) + 1
        jitter = float(rng.uniform(0.95, 1.05))
        costs = _request_costs(base * jitter, profile)
        reqs.append((f"REQ-{code}-{rank[dept]:03d}", dept, program, fund, title, rtype, cls, rec, *costs,
                     fte, why, kpi, rank[dept]))
    requests = pd.DataFrame(reqs, columns=["request_id", "department", "program", "fund", "title", "type",
                                           "account_class", "recurring", *[f"cost_{y}" for y in PLAN_YEARS],
                                           "fte", "justification", "kpi_id", "rank"])

    exp = baseline_expenditure(all_lines)
    exp_by_fund = exp.groupby(all_lines["fund"]).sum()
    onetime_y1 = exp.loc[all_lines["recurring"] == "N", Y1].groupby(all_lines["fund"]).sum()
    balance0, revenue_y1 = {}, {}
    for fund, *_ in S.FUNDS:
        e = exp_by_fund.loc[fund] if fund in exp_by_fund.index else pd.Series(0.0, index=PLAN_YEARS)
        # the fund has saved up for its one-time (mostly capital) spending of y1
        once = float(onetime_y1.get(fund, 0.0))
        balance0[fund] = float(round(S.FUND_BALANCE_RATIO[fund] * (e[Y1] - once) + once, -3))
        # revenue per $1 of y1 revenue, year by year, from the sources' shares and growth rates
        sources = S.REVENUE_SOURCES[fund]
        if fund in S.FUND_END_RATIO:
            unit = sum(share * sum((1 + g / 100) ** k for k in range(5)) for _s, share, _r, g, _p in sources)
            # size revenue so the y5 reserve ratio is FUND_END_RATIO: B0 + c·Σu − ΣE = ratio·E[y5]
            revenue_y1[fund] = max((S.FUND_END_RATIO[fund] * e[PLAN_YEARS[-1]] - balance0[fund] + e.sum()) / unit, 0.0)
        else:
            # recurring revenue = recurring expenditure × (1 + margin); one-time sources on top
            recurring_share = sum(share for _s, share, rec, _g, _p in sources if rec)
            revenue_y1[fund] = (1 + S.FUND_MARGIN[fund]) * (e[Y1] - once) / recurring_share
    revenue = _revenue(rng, revenue_y1)
    funds = pd.DataFrame(
        [(f, name, balance0[f], floor, target, ceiling) for f, name, floor, target, ceiling in S.FUNDS],
        columns=["fund", "fund_name", "beginning_balance", "floor", "target", "ceiling"])
    actuals = generate_actuals(all_lines, revenue, seed)
    history = generate_history(all_lines, actuals.spending, seed)
    # the KPI Actuals' yearly rows are the history's (the year in execution keeps its quarters)
    quarters = actuals.kpis[actuals.kpis["quarter"] > 0]
    order = {k.kpi_id: i for i, k in enumerate(S.KPIS)}
    kpis = pd.concat([history.kpis.assign(quarter=0), quarters], ignore_index=True)
    kpis = kpis.assign(_o=kpis["kpi_id"].map(order)).sort_values(["_o", "fiscal_year", "quarter"], kind="stable")
    actuals.kpis = kpis[["kpi_id", "fiscal_year", "quarter", "value"]].reset_index(drop=True)
    return SampleCity(all_lines, pos, requests, revenue, funds, actuals, history)

