"""The sample city's actuals (the quarterly review's inputs): monthly spending, quarterly revenue
collections and KPI actuals, drawn around the generated line items and revenue.

- Spending is one row per (fund, department, program, account class) and fiscal month: the three
  prior years (y0−3 … y0−1) whole, and the year in execution y0 through its sixth month.  A prior
  year's months of a group sum to the group's line-item Actual amount of that year (y0−2 and y0−1,
  where at least one of its lines has one; y0−3, which the line items do not carry, is y0−2 ÷ the
  class's growth with a little noise).  Months follow the class: payroll by paydays (every other
  Friday, so a month with a third paycheck carries 1.5× a normal month), capital late in the year,
  debt service in two payments, transfers quarterly, the other classes a noisy seasonal shape.
- y0 months 1…6: the group's Adopted × its expected share through month 6 (SPEC's review share from
  the prior years, with its fallbacks) × its department's pace (a few departments run hot or cold,
  `kcplanner/resources/sample_city/actuals.json`), spread over the months by y0's own calendar.
- Revenue: one row per (fund, source) and quarter, sized the same way (prior years sum to the
  Revenue sheet's Actuals; y0 Q1–Q2 from its Estimate).
- KPIs: the prior years' yearly values and y0's Q1 and Q2 values, around the baseline path.

Draws come from their own generator, `PCG64([seed, 13])`, so adding actuals leaves every other
table of the sample as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import names as S
from .kpis import baseline_fy
from .names import Y0

A = S.ACTUALS
PRIOR_YEARS = [Y0 - k for k in range(A["prior_years"], 0, -1)]  # FY2023, FY2024, FY2025
MONTHS_DONE = A["months_in_execution"]  # y0 is in execution through this fiscal month
GROUP = ["fund", "department", "program", "account_class"]
STREAM = 13  # the actuals' own random stream: PCG64([seed, STREAM])


@dataclass
class SampleActuals:
    """The actuals tables, before they are written."""

    spending: pd.DataFrame  # GROUP + fiscal_year, month, amount (one row per group and fiscal month)
    revenue: pd.DataFrame  # fund, source, fiscal_year, quarter, amount
    kpis: pd.DataFrame  # kpi_id, fiscal_year, quarter (0 = the whole year), value
    pace: dict[str, float]  # department → its y0 pace (1.08 = running 8% ahead of its seasonal path)


def paydays(fiscal_year: int, start_month: int = 5) -> np.ndarray:
    """Paydays (every other Friday from the anchor) in each fiscal month 1…12 of `fiscal_year`."""
    first = np.datetime64(f"{fiscal_year - 1}-{start_month:02d}-01") if start_month > 1 else \
        np.datetime64(f"{fiscal_year}-01-01")
    anchor = np.datetime64(A["payday_anchor"])
    days = np.arange(anchor, first + np.timedelta64(400, "D"), 14)
    months = (days.astype("datetime64[M]") - first.astype("datetime64[M]")).astype(int)
    months = months[(months >= 0) & (months < 12)]
    return np.bincount(months, minlength=12).astype(float)


def monthly_weights(rng: np.random.Generator, classes: np.ndarray, fiscal_year: int) -> np.ndarray:
    """Each group's share of its year in each fiscal month (rows sum to 1), by account class."""
    n = len(classes)
    w = np.zeros((n, 12))
    for cls in sorted(set(classes)):  # a fixed order of draws
        m = classes == cls
        k = int(m.sum())
        if cls == "Personnel Services":
            w[m] = paydays(fiscal_year)
        elif cls == "Debt Service":
            first = rng.uniform(*A["debt_service_first_share"], size=k)
            i, j = (x - 1 for x in A["debt_service_months"])
            rows = np.zeros((k, 12))
            rows[:, i], rows[:, j] = first, 1.0 - first
            w[m] = rows
        elif cls == "Transfers":
            w[np.ix_(m, [x - 1 for x in A["transfer_months"]])] = 1.0
        elif cls == "Capital Outlay":
            h1 = rng.uniform(*A["capital_first_half_share"], size=k)
            raw = np.linspace(0.5, 2.0, 12) * rng.gamma(4.0, 0.25, size=(k, 12))
            first, second = raw[:, :6], raw[:, 6:]
            w[m] = np.hstack([first / first.sum(1, keepdims=True) * h1[:, None],
                              second / second.sum(1, keepdims=True) * (1 - h1)[:, None]])
        else:
            prof = A["monthly_profiles"].get(cls, A["monthly_profiles"]["Other"])
            noise = 1.0 + prof["noise"] * rng.standard_normal((k, 12))
            w[m] = np.array(prof["shape"]) * np.clip(noise, 0.2, None)
    return w / w.sum(1, keepdims=True)


def split_cents(totals: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Totals spread by weights and rounded to cents; each row's rounding rest goes to its largest part."""
    totals = np.round(totals, 2)
    parts = np.round(totals[:, None] * weights, 2)
    rest = np.round(totals - parts.sum(1), 2)
    parts[np.arange(len(totals)), np.argmax(weights, axis=1)] += rest
    return np.round(parts, 2)


def expected_share(history: np.ndarray, keys: list[np.ndarray], through: int) -> np.ndarray:
    """SPEC's review share through period `through` (a column count) from complete prior years.

    `history` is (groups, years, periods); the share of a group is the mean over years with a total
    above 0 of (through ÷ total); without one, the same over the groups sharing `keys[0]` summed,
    then `keys[1]` …, then through ÷ periods."""
    periods = history.shape[2]

    def shares(h):
        total, part = h.sum(2), h[:, :, :through].sum(2)
        ok = total > 0
        s = np.where(ok, part / np.where(ok, total, 1.0), 0.0).sum(1)
        return np.where(ok.any(1), s / np.maximum(ok.sum(1), 1), np.nan)

    out = shares(history)
    for key in keys:
        codes, uniques = pd.factorize(key)
        pooled = np.zeros((len(uniques), *history.shape[1:]))
        np.add.at(pooled, codes, history)
        out = np.where(np.isnan(out), shares(pooled)[codes], out)
    return np.where(np.isnan(out), through / periods, out)


def _spending(rng: np.random.Generator, lines: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, float]]:
    groups = lines.groupby(GROUP, sort=False)
    g = groups[["a2024", "a2025", "adopted"]].sum(min_count=1).reset_index()
    classes = g["account_class"].to_numpy(dtype=object)
    growth = np.array([S.GROWTH.get(c, (0.0,))[0] / 100 for c in classes])
    y3 = g["a2024"].to_numpy() / (1 + growth) * rng.uniform(0.96, 1.02, size=len(g))
    totals = {PRIOR_YEARS[0]: y3, PRIOR_YEARS[1]: g["a2024"].to_numpy(), PRIOR_YEARS[2]: g["a2025"].to_numpy()}
    history = np.zeros((len(g), len(PRIOR_YEARS), 12))
    for k, year in enumerate(PRIOR_YEARS):
        w = monthly_weights(rng, classes, year)
        t = totals[year]
        given = ~np.isnan(t)  # a year without any line-item Actual: the group spent nothing that year
        history[given, k] = split_cents(t[given], w[given])

    # y0 through month MONTHS_DONE: Adopted × expected share × pace, spread by y0's calendar
    pace_cfg = A["pace"]
    depts = [d.name for d in S.DEPARTMENTS]
    drawn = rng.uniform(*pace_cfg["others"], size=len(depts))
    pace = {d: float(pace_cfg["hot"].get(d, pace_cfg["cold"].get(d, x))) for d, x in zip(depts, drawn)}
    dept = g["department"].to_numpy(dtype=object)
    factor = np.array([pace[d] for d in dept]) * rng.uniform(*pace_cfg["group_noise"], size=len(g))
    factor = np.where(np.isin(classes, pace_cfg["classes_on_schedule"]), 1.0, factor)
    share = expected_share(history, [dept, np.zeros(len(g))], MONTHS_DONE)
    budget = g["adopted"].to_numpy()
    w0 = monthly_weights(rng, classes, Y0)[:, :MONTHS_DONE]
    w0 = np.where(w0.sum(1, keepdims=True) > 0, w0, 1.0)
    w0 = w0 / w0.sum(1, keepdims=True)
    live = ~np.isnan(budget) & (budget > 0)
    current = np.zeros((len(g), MONTHS_DONE))
    current[live] = split_cents((budget * share * factor)[live], w0[live])

    frames = []
    for k, year in enumerate(PRIOR_YEARS + [Y0]):
        amounts = history[:, k] if year != Y0 else current
        gi, mi = np.nonzero(amounts)
        frame = g.loc[gi, GROUP].reset_index(drop=True)
        frame["fiscal_year"], frame["month"], frame["amount"] = year, mi + 1, amounts[gi, mi]
        frames.append(frame.sort_values("month", kind="stable"))
    return pd.concat(frames, ignore_index=True), pace


def _revenue_quarters(rng: np.random.Generator, sources: list[str]) -> np.ndarray:
    rows = []
    for s in sources:
        shape = next((p["quarters"] for p in A["revenue_profiles"] if any(t in s for t in p["match"])),
                     A["revenue_default_quarters"])
        rows.append(shape)
    shape = np.array(rows, dtype=float)
    noise = np.clip(1.0 + A["revenue_noise"] * rng.standard_normal(shape.shape), 0.5, None)
    w = shape * noise
    return w / w.sum(1, keepdims=True)


def _revenue(rng: np.random.Generator, revenue: pd.DataFrame) -> pd.DataFrame:
    growth = revenue["growth"].to_numpy() / 100
    a2024, a2025 = revenue["a2024"].to_numpy(), revenue["a2025"].to_numpy()
    totals = [a2024 / (1 + growth) * rng.uniform(0.98, 1.02, size=len(revenue)), a2024, a2025]
    sources = revenue["source"].tolist()
    history = np.zeros((len(revenue), len(PRIOR_YEARS), 4))
    for k, t in enumerate(totals):
        history[:, k] = split_cents(t, _revenue_quarters(rng, sources))
    quarters_done = MONTHS_DONE // 3
    share = expected_share(history, [revenue["fund"].to_numpy(dtype=object), np.zeros(len(revenue))],
                           quarters_done)
    cfg = A["revenue_pace"]
    keys = (revenue["fund"] + "|" + revenue["source"]).tolist()
    drawn = rng.uniform(*cfg["others"], size=len(revenue))
    pace = np.array([cfg["short"].get(key, x) for key, x in zip(keys, drawn)])
    budget = revenue["estimate"].where(revenue["estimate"].notna(), revenue["adopted"]).to_numpy()
    w0 = _revenue_quarters(rng, sources)[:, :quarters_done]
    w0 = np.where(w0.sum(1, keepdims=True) > 0, w0, 1.0)
    current = split_cents(budget * share * pace, w0 / w0.sum(1, keepdims=True))
    frames = []
    for k, year in enumerate(PRIOR_YEARS + [Y0]):
        amounts = history[:, k] if year != Y0 else current
        ri, qi = np.nonzero(amounts)
        frame = revenue.loc[ri, ["fund", "source"]].reset_index(drop=True)
        frame["fiscal_year"], frame["quarter"], frame["amount"] = year, qi + 1, amounts[ri, qi]
        frames.append(frame.sort_values("quarter", kind="stable"))
    return pd.concat(frames, ignore_index=True)


def _kpi_value(kpi: S.KPI, years_from_baseline: float, noise: float) -> float:
    v = kpi.baseline * (1 + kpi.trend / 100) ** years_from_baseline * (1 + A["kpi_noise"] * noise)
    if kpi.maximum is not None:
        v = min(v, kpi.maximum)
    if kpi.minimum is not None:
        v = max(v, kpi.minimum)
    return float(round(v, kpi.decimals))


def _kpis(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for kpi in S.KPIS:
        noise = rng.standard_normal(len(PRIOR_YEARS) + MONTHS_DONE // 3)
        bfy = baseline_fy(kpi)
        for k, year in enumerate(PRIOR_YEARS):
            if year < bfy:  # the Baseline gives its own year; later years are not in yet for a lagged KPI
                rows.append((kpi.kpi_id, year, 0, _kpi_value(kpi, year - bfy, noise[k])))
        if kpi.kpi_id not in A["kpi_lagged"]:
            for q in range(1, MONTHS_DONE // 3 + 1):
                rows.append((kpi.kpi_id, Y0, q, _kpi_value(kpi, Y0 - bfy, noise[len(PRIOR_YEARS) + q - 1])))
    return pd.DataFrame(rows, columns=["kpi_id", "fiscal_year", "quarter", "value"])


def generate_actuals(lines: pd.DataFrame, revenue: pd.DataFrame, seed: int) -> SampleActuals:
    """Draw the actuals of a generated city (its line items and revenue; nothing is written)."""
    rng = np.random.Generator(np.random.PCG64([seed, STREAM]))
    spending, pace = _spending(rng, lines)
    return SampleActuals(spending, _revenue(rng, revenue), _kpis(rng), pace)


def period_labels(fiscal_year: pd.Series, number: pd.Series, kind: str) -> pd.Series:
    """`FY2026 P05` (kind "month"), `FY2026 Q2` ("quarter"; 0 = the whole year, `FY2026`)."""
    year = "FY" + fiscal_year.astype(str)
    if kind == "month":
        return year + " P" + number.map("{:02d}".format)
    return year.where(number == 0, year + " Q" + number.astype(str))
