"""Small cities with a history, written as SPEC workbooks and read back, for the evidence tests
(issue 14); and the independent computation the tests compare the evidence with (plain numpy and
scipy, from the inputs as written, not from kcplanner's histories)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy import stats

from tests.conftest import write_xlsx

FIRST_PLAN_YEAR = 2027


def write_city(folder: Path, kpis: list[dict], drivers: list[tuple], values: dict[str, dict[int, float]],
               spending: dict[tuple[str, str], dict[int, float]], actual_rows: list[tuple] = (),
               targets: dict[str, dict[int, float]] | None = None, goals=("G1", "G2")) -> tuple[Path, Path]:
    """plan.xlsx and budget.xlsx in `folder`.

    kpis: {"id", "goal", "direction" ("Higher is better"/"Lower is better"), "baseline", "baseline_fy"};
    drivers: (kpi, department, program or None, elasticity, lag); values: KPI → {year: value} (the KPI
    Actuals sheet, yearly); spending: (department, program) → {year: FY Actual of its one line item};
    actual_rows: (department, program, period, amount) rows of an Actuals sheet; targets: KPI → {year: target}."""
    folder.mkdir(parents=True, exist_ok=True)
    targets = targets or {}
    t_years = sorted({y for t in targets.values() for y in t} | {FIRST_PLAN_YEAR})
    kpi_rows = [["KPI ID", "Name", "Goal ID", "Direction", "Baseline", "Baseline FY", *[f"Target FY{y}" for y in t_years]]]
    for k in kpis:
        t = targets.get(k["id"], {})
        kpi_rows.append([k["id"], k.get("name", f"Measure {k['id']}"), k["goal"], k["direction"], k["baseline"],
                         k.get("baseline_fy"), *[t.get(y) for y in t_years]])
    ka = [["KPI ID", "Period", "Value"]]
    for kid, by_year in values.items():
        for y, v in sorted(by_year.items()):
            ka.append([kid, f"FY{y}", v])
    plan = {
        "Settings": [["Key", "Value"], ["First plan year", FIRST_PLAN_YEAR]],
        "Goals": [["Goal ID", "Goal"], *[[g, f"Goal {g}"] for g in goals]],
        "KPIs": kpi_rows,
        "Drivers": [["KPI ID", "Department", "Program", "Elasticity", "Lag"], *[list(d) for d in drivers]],
        "KPI Actuals": ka,
    }
    years = sorted({y for by_year in spending.values() for y in by_year})
    li = [["Fund", "Department", "Program", "Account", "Account class", *[f"FY{y} Actual" for y in years],
           f"FY{FIRST_PLAN_YEAR - 1} Adopted"]]
    for (dept, prog), by_year in spending.items():
        li.append(["General", dept, prog, "5100", "Personnel Services", *[by_year.get(y) for y in years], 100.0])
    budget = {"Line Items": li}
    if actual_rows:
        budget["Actuals"] = [["Fund", "Department", "Program", "Account class", "Period", "Amount"],
                             *[["General", d, p, "Personnel Services", per, a] for d, p, per, a in actual_rows]]
    return write_xlsx(folder / "plan.xlsx", plan), write_xlsx(folder / "budget.xlsx", budget)


def read_city(plan: Path, budget: Path):
    from kcplanner.readers import read_dataset

    result = read_dataset(plan, [budget])
    assert result.dataset is not None, result.report.to_text()
    return result.dataset, result.report


def reference_fit(y: np.ndarray, X: np.ndarray) -> dict:
    """SPEC's estimate by hand: least squares with a constant (np.linalg.lstsq), σ² = RSS ÷ (n − m − 1),
    se from σ²·(AᵀA)⁻¹, the 80% interval with t(0.90, n − m − 1), two-sided p, R²."""
    n, m = X.shape
    A = np.column_stack([np.ones(n), X])
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    resid = y - A @ coef
    df = n - m - 1
    sigma2 = resid @ resid / df
    cov = sigma2 * np.linalg.inv(A.T @ A)
    se = np.sqrt(np.diag(cov))[1:]
    b = coef[1:]
    tcrit = stats.t.ppf(0.9, df)
    tss = ((y - y.mean()) ** 2).sum()
    return {"estimate": b, "se": se, "low": b - tcrit * se, "high": b + tcrit * se,
            "p": 2 * stats.t.sf(np.abs(b / se), df), "r2": 1 - resid @ resid / tss, "n": n}


def log_changes(by_year: dict[int, float], years: list[int], lag: int = 0) -> np.ndarray:
    """ln v[t − lag] − ln v[t − lag − 1] for each t in `years`."""
    return np.array([np.log(by_year[t - lag]) - np.log(by_year[t - lag - 1]) for t in years])
