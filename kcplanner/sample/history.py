"""The sample city's history for the driver evidence (SPEC, "Evidence for the drivers, and the KPI
review"): ten years of yearly spending and of KPI values, generated from known elasticities.

- Spending: each program's spending changes by a drawn growth rate a year (its groups alike, with a
  little noise of their own), going back from the oldest year of monthly actuals (y0−3) to the first
  history year; the years before y0−3 are written as whole-year Actuals rows (`FY2019`), one a
  (fund, department, program, account class) group, in the department's Actuals sheet.
- KPIs: going back from the Baseline at Baseline FY, ln K[t] − ln K[t−1] = a + Σ_d b_d·x_{d,t} + ε_t,
  with x_{d,t} the driver's log spending change L_d years earlier (S as the estimator reads it: line
  items' Actuals, else the Actuals rows), b_d the TRUE elasticity (the Drivers sheet's, unless
  `kcplanner/resources/sample_city/history.json` names another), a the KPI's trend less the drivers' average
  push, ε normal.  Values are clamped to the KPI's Minimum/Maximum and rounded to its decimals.
- Special cases from history.json: a new measure (values only from its first year), a gap, a KPI
  whose past targets are always met, a KPI that spending does not move (true elasticities 0, its
  noise uncorrelated with its drivers' spending), a pair sharing their noise (and their main driver:
  "consider merging"); the KPI with no driver is FG-07 (kpis.json).
- Past targets (Target FY columns before y1): last year's value carried forward by the KPI's trend,
  rounded to the easier side (the always-met KPI: its own value made 2% easier).

Draws come from their own stream, `PCG64([seed, 14])`, so every other table stays as it was.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import names as S
from .kpis import baseline_fy, clamp, round_easier

H = S.HISTORY
STREAM = 14
GROUP = ["fund", "department", "program", "account_class"]


@dataclass
class SampleHistory:
    """The history tables, before they are written.

    - spending: GROUP + fiscal_year, amount — whole-year Actuals rows of the years before the monthly ones
    - kpis: kpi_id, fiscal_year, value — yearly KPI actuals from the first history year to Baseline FY − 1
    - targets: kpi_id → {fiscal year: past target}
    - truth: one row per driver: kpi_id, department, program, lag, entered, true (elasticity)
    - program_spending: rows (department, program), columns fiscal_year: S as the estimator reads it
      (with the unwritten years: two before the first history year, and y0)
    """

    spending: pd.DataFrame
    kpis: pd.DataFrame
    targets: dict[str, dict[int, float]]
    truth: pd.DataFrame
    program_spending: pd.DataFrame


def true_elasticity(kpi_id: str, department: str, program: str | None, entered: float) -> float:
    return float(H["true_elasticity"].get(f"{kpi_id}|{department}|{program or ''}", entered))


def _program_spending(lines: pd.DataFrame, monthly: pd.DataFrame, older: pd.DataFrame,
                      pre: pd.DataFrame, y0: int) -> pd.DataFrame:
    """S per (department, program) and year the way the estimator reads it: the line items' Actuals
    (where a line of the program has one), else the Actuals rows of the year; plus the unwritten years."""
    key = ["department", "program"]
    by_year = {}
    for frame in (pre, older):
        for y, part in frame.groupby("fiscal_year"):
            by_year[int(y)] = part.groupby(key)["amount"].sum()
    for y, part in monthly.groupby("fiscal_year"):
        if int(y) < y0:
            by_year[int(y)] = part.groupby(key)["amount"].sum()
    for col, y in (("a2024", y0 - 2), ("a2025", y0 - 1)):
        li = lines.groupby(key)[col].sum(min_count=1)
        by_year[y] = li.where(li.notna(), by_year.get(y, pd.Series(dtype=float)).reindex(li.index)).fillna(0.0)
    out = pd.DataFrame(by_year).fillna(0.0)
    return out.reindex(columns=sorted(out.columns))


def _spending(rng: np.random.Generator, monthly: pd.DataFrame, first: int, oldest: int
              ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(written whole-year rows first … oldest−1, the two unwritten years before them)."""
    base = monthly[monthly["fiscal_year"] == oldest].groupby(GROUP, sort=False)["amount"].sum().reset_index()
    programs, _ = pd.factorize(base["department"] + "\x1f" + base["program"])
    years = list(range(oldest - 1, first - 3, -1))                      # going back: oldest−1 … first−2
    g = rng.normal(H["spending_growth"]["mean"], H["spending_growth"]["sd"], size=(programs.max() + 1, len(years)))
    noise = rng.normal(0.0, H["group_noise"], size=(len(base), len(years)))
    total = base["amount"].to_numpy(dtype=float)
    frames = []
    for j, year in enumerate(years):
        total = total * np.exp(-g[programs, j] + noise[:, j])
        f = base[GROUP].copy()
        f["fiscal_year"], f["amount"] = year, np.round(total, 2)
        frames.append(f[f["amount"] > 0])
    rows = pd.concat(frames[::-1], ignore_index=True)
    written = rows[rows["fiscal_year"] >= first].reset_index(drop=True)
    return written, rows[rows["fiscal_year"] < first].reset_index(drop=True)


def _driver_series(S_p: pd.DataFrame, department: str, program: str | None) -> pd.Series:
    if program is None:
        return S_p.loc[department].sum(axis=0) if department in S_p.index.get_level_values(0) else \
            pd.Series(0.0, index=S_p.columns)
    try:
        return S_p.loc[(department, program)]
    except KeyError:
        return pd.Series(0.0, index=S_p.columns)


def _uncorrelated(eps: np.ndarray, X: np.ndarray, seen: np.ndarray, sd: float) -> np.ndarray:
    """The noise of a KPI that spending does not move, made uncorrelated with its drivers' spending
    changes over the years the estimator sees (the residual of a least-squares fit on them, scaled
    back to `sd`), so its estimates are 0 up to rounding whatever the seed."""
    A = np.column_stack([np.ones(int(seen.sum())), X[seen]])
    coef, *_ = np.linalg.lstsq(A, eps[seen], rcond=None)
    out = eps.copy()
    rest = eps[seen] - A @ coef
    out[seen] = rest * (sd / max(float(rest.std()), 1e-12))
    return out


def _kpis(rng: np.random.Generator, S_p: pd.DataFrame, first: int):
    rows, truth, targets, noise = [], [], {}, {}
    t_first, t_last = H["target_years"]
    for kpi in S.KPIS:
        bfy = baseline_fy(kpi)
        years = np.arange(first + 1, bfy + 1)                          # the changes y_t, t = first+1 … bfy
        push = np.zeros(len(years))
        mean_push = 0.0
        xs, seen = [], np.ones(len(years), dtype=bool)
        for dept, program, el, lag, _cap in kpi.drivers:
            b = true_elasticity(kpi.kpi_id, dept, program, el)
            s = _driver_series(S_p, dept, program)
            ls = np.log(s.reindex(years - lag).to_numpy(dtype=float)) - \
                np.log(s.reindex(years - lag - 1).to_numpy(dtype=float))
            ls = np.nan_to_num(ls)
            push += b * ls
            mean_push += b * ls.mean()
            xs.append(ls)
            seen &= (years - lag - 1 >= first) & (years - lag <= S.Y0 - 1)   # the years the estimator sees
            truth.append((kpi.kpi_id, dept, program, lag, el, b))
        sd = H["noise"].get(kpi.kpi_id, H["kpi_noise"])
        eps = rng.normal(0.0, sd, size=len(years))
        if kpi.kpi_id in H["shared_noise"]:  # the pair moves together whatever the spending did
            eps = noise[H["shared_noise"][kpi.kpi_id]][-len(years):]
        noise[kpi.kpi_id] = eps
        if kpi.kpi_id in H["unmoved"] and xs:
            eps = _uncorrelated(eps, np.column_stack(xs), seen, sd)
        y = math.log(1 + kpi.trend / 100) - mean_push + push + eps
        level = {bfy: kpi.baseline}
        v = kpi.baseline
        for t, yt in zip(years[::-1], y[::-1]):                         # K[t−1] = K[t]·exp(−y_t)
            v = v * math.exp(-yt)
            level[int(t) - 1] = v
        start = max(first, H["new_measures"].get(kpi.kpi_id, first))
        skip = set(H["gaps"].get(kpi.kpi_id, []))
        values = {t: round(clamp(level[t], kpi), kpi.decimals) for t in range(start, bfy) if t not in skip}
        rows.extend((kpi.kpi_id, t, v) for t, v in values.items())
        sign = 1 if kpi.direction == S.H else -1
        known = {**values, bfy: kpi.baseline}
        mine = {}
        for t in range(t_first, min(t_last, bfy) + 1):
            if kpi.kpi_id in H["always_met"] and t in known:
                mine[t] = round_easier(clamp(known[t] * (1 - sign * H["always_met_margin"] / 100), kpi), kpi)
            elif t - 1 in known and t in known:
                mine[t] = round_easier(clamp(known[t - 1] * (1 + kpi.trend / 100), kpi), kpi)
        targets[kpi.kpi_id] = mine
    kpis = pd.DataFrame(rows, columns=["kpi_id", "fiscal_year", "value"])
    truth = pd.DataFrame(truth, columns=["kpi_id", "department", "program", "lag", "entered", "true"])
    return kpis, targets, truth


def generate_history(lines: pd.DataFrame, monthly: pd.DataFrame, seed: int) -> SampleHistory:
    """Draw the history of a generated city (its line items and monthly spending actuals)."""
    rng = np.random.Generator(np.random.PCG64([seed, STREAM]))
    first = H["first_year"]
    oldest = int(monthly["fiscal_year"].min())
    written, pre = _spending(rng, monthly, first, oldest)
    S_p = _program_spending(lines, monthly, written, pre, S.Y0)
    # y0 is still in execution: its (unwritten) spending changes by a drawn rate, so a lag-0 driver
    # moves the KPI from its last history year to its Baseline too
    g = rng.normal(H["spending_growth"]["mean"], H["spending_growth"]["sd"], size=len(S_p))
    S_p[S.Y0] = S_p[S.Y0 - 1] * np.exp(g)
    kpis, targets, truth = _kpis(rng, S_p, first)
    return SampleHistory(written, kpis, targets, truth, S_p)
