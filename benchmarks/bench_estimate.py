"""Benchmark of the driver evidence (issue 14): 200 KPIs, 400 drivers (1–3 a KPI, lags 0–2), 15 years
of KPI history and of spending (line items' FYxxxx Actual columns, 5 lines a program), built in memory.

    .venv/bin/python benchmarks/bench_estimate.py [--runs 15] [--kpis 200] [--drivers 400] [--years 15]

Prints the median of `estimate_evidence(dataset)` (histories, log changes, every fit, flags, the KPI
review) and of its core alone (`fit_drivers`: the batched OLS), each with the time per driver, beside
two floors over the same 200 problems: bare `np.linalg.lstsq` (coefficients only, one call a KPI) and
statsmodels' OLS with its standard errors, p-values and 80% intervals (one fit a KPI: what a plain
implementation of SPEC's estimate would do).  Goal: estimate_evidence ≤ 1 s.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kcplanner.dataset import Budget, Dataset, Plan, PlanSettings  # noqa: E402
from kcplanner.evidence import estimate_evidence  # noqa: E402
from kcplanner.evidence.core import fit_drivers, lagged, log_changes  # noqa: E402


def build(n_kpis: int, n_drivers: int, years: int, seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    last = 2025
    yrs = list(range(last - years + 1, last + 1))
    per_kpi = np.ones(n_kpis, dtype=int)
    extra = rng.choice(n_kpis * 2, size=n_drivers - n_kpis, replace=False) % n_kpis  # 1–3 drivers a KPI
    np.add.at(per_kpi, extra, 1)
    per_kpi = np.minimum(per_kpi, 3)
    while per_kpi.sum() < n_drivers:
        per_kpi[rng.choice(np.flatnonzero(per_kpi < 3))] += 1
    kpi_ids = [f"K{k:03d}" for k in range(n_kpis)]
    d_kpi = np.repeat(np.arange(n_kpis), per_kpi)
    programs = [f"Program {d:03d}" for d in range(n_drivers)]
    depts = [f"Department {d // 10:02d}" for d in range(n_drivers)]
    lags = rng.integers(0, 3, size=n_drivers)
    growth = rng.normal(0.03, 0.06, size=(n_drivers, years))
    S = 1e6 * np.exp(np.cumsum(growth, axis=1))
    x = lagged(log_changes(S), lags)
    b = rng.normal(0, 0.4, size=n_drivers)
    y = np.zeros((n_kpis, years))
    np.add.at(y, d_kpi, np.nan_to_num(x) * b[:, None])
    y += rng.normal(0.01, 0.02, size=(n_kpis, years))
    K = 50 * np.exp(np.cumsum(y, axis=1))
    lines = 5
    li = pd.DataFrame({"fund": "General", "department": np.repeat(depts, lines), "program": np.repeat(programs, lines),
                       "account": "5100", "account_class": "Personnel Services", "recurring": True,
                       "source_file": "budget.xlsx", "source_sheet": "Line Items",
                       "source_row": np.arange(n_drivers * lines) + 2})
    share = rng.dirichlet(np.ones(lines), size=n_drivers).ravel()
    amounts = pd.DataFrame(np.repeat(S, lines, axis=0) * share[:, None],
                           columns=pd.MultiIndex.from_tuples([(y_, "Actual") for y_ in yrs], names=["fiscal_year", "phase"]))
    plan = Plan(settings=PlanSettings(first_plan_year=last + 2))
    plan.kpis = pd.DataFrame({"kpi_id": kpi_ids, "name": [f"Measure {k}" for k in kpi_ids],
                              "goal_id": [f"G{k % 6}" for k in range(n_kpis)], "objective_id": None, "unit": None,
                              "direction": np.where(rng.random(n_kpis) < 0.5, 1, -1).astype(np.int64),
                              "baseline": K[:, -1] * 1.01, "baseline_fy": pd.array([last + 1] * n_kpis, dtype="Int64"),
                              "trend": np.nan, "minimum": np.nan, "maximum": np.nan, "weight": 1.0, "department": None})
    plan.drivers = pd.DataFrame({"kpi_id": [kpi_ids[k] for k in d_kpi], "department": depts, "program": programs,
                                 "elasticity": b.round(2), "lag": lags.astype(np.int64), "max_effect": np.nan,
                                 "elasticity_low": b.round(2) * 0.5, "elasticity_high": b.round(2) * 1.5})
    plan.kpi_history = pd.DataFrame({"kpi_id": np.repeat(kpi_ids, years), "fiscal_year": np.tile(yrs, n_kpis),
                                     "value": K.ravel()})
    plan.kpi_targets = pd.DataFrame(K[:, -6:] * 0.99, index=pd.Index(kpi_ids, name="kpi_id"), columns=yrs[-6:])
    return Dataset(plan=plan, budget=Budget(line_items=li, amounts=amounts)).unify()


def _median_ms(fn, runs: int) -> float:
    fn()
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return float(np.median(out))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--kpis", type=int, default=200)
    ap.add_argument("--drivers", type=int, default=400)
    ap.add_argument("--years", type=int, default=15)
    a = ap.parse_args()
    ds = build(a.kpis, a.drivers, a.years)
    ev = estimate_evidence(ds)
    D = len(ev.drivers)
    est = (ev.drivers["status"] == "estimated").sum()
    print(f"{a.kpis} KPIs, {D} drivers ({est} estimated), {a.years} years of history, "
          f"{len(ds.budget.line_items)} line items")
    total = _median_ms(lambda: estimate_evidence(ds), a.runs)
    d_kpi = ev.driver_kpi
    core = _median_ms(lambda: fit_drivers(ev.y, ev.x, d_kpi), a.runs)
    problems = []
    for k in range(len(ev.kpis)):
        rows = np.flatnonzero(d_kpi == k)
        u = ev.used[rows[0]]
        problems.append((np.column_stack([np.ones(u.sum()), ev.x[rows][:, u].T]), ev.y[k, u]))

    def bare():
        for A, y in problems:
            np.linalg.lstsq(A, y, rcond=None)

    floor = _median_ms(bare, a.runs)
    print(f"estimate_evidence       {total:8.1f} ms   {total / D * 1000:7.1f} µs a driver   (goal ≤ 1000 ms)")
    print(f"  its core (fit_drivers) {core:7.1f} ms   {core / D * 1000:7.1f} µs a driver")
    print(f"floor: np.linalg.lstsq   {floor:7.1f} ms   {floor / D * 1000:7.1f} µs a driver   (coefficients only)")
    try:
        import statsmodels.api as sm
    except ImportError:
        print("statsmodels not installed: its per-fit line skipped")
        return

    def per_fit():
        for A, y in problems:
            r = sm.OLS(y, A).fit()
            r.bse, r.pvalues, r.conf_int(alpha=0.2), r.rsquared  # noqa: B018 (what SPEC's figures need)

    sm_ms = _median_ms(per_fit, max(3, a.runs // 3))
    print(f"statsmodels OLS a KPI    {sm_ms:7.1f} ms   {sm_ms / D * 1000:7.1f} µs a driver   (SPEC's figures, one fit at a time)")
    print("PASS" if total <= 1000 else "SLOWER THAN THE GOAL")


if __name__ == "__main__":
    main()
