"""The driver evidence on small cities checked by hand (issue 14; SPEC "Evidence for the drivers"):
two drivers, a lag, a gap year, a department-wide driver, not enough history, the spending history
from line items and else from complete years of Actuals rows, and which source of K wins."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kcplanner.evidence import driver_sentence, estimate_evidence
from kcplanner.evidence.history import kpi_history
from tests.evidence_data import log_changes, read_city, reference_fit, write_city

YEARS = list(range(2015, 2026))
rng = np.random.default_rng(7)
PATROL = {y: 1000.0 * np.exp(0.03 * i + rng.normal(0, 0.06)) for i, y in enumerate(YEARS)}
INVEST = {y: 400.0 * np.exp(0.02 * i + rng.normal(0, 0.08)) for i, y in enumerate(YEARS)}
STREETS = {y: 300.0 * np.exp(rng.normal(0, 0.05)) for y in (2022, 2023, 2024, 2025)}
PARKS = {y: 200.0 * np.exp(rng.normal(0, 0.05)) for y in (2022, 2023, 2024, 2025)}
K1 = {y: round(10.0 * np.exp(rng.normal(0, 0.05)), 3) for y in range(2016, 2026) if y != 2020}  # a gap: 2020
K2 = {2023: 50.0, 2024: 52.0, 2025: 51.0}
FIRE = {y: 700.0 * np.exp(0.04 * i + rng.normal(0, 0.05)) for i, y in enumerate(range(2016, 2026))}
K3 = {y: round(70 * np.exp(rng.normal(0, 0.03)), 2) for y in range(2016, 2026)}


def _actual_rows():
    rows = [("Fire", "Suppression", f"FY{y}", round(v, 2)) for y, v in FIRE.items() if y != 2024]
    # FY2024 given by quarter, only through Q3: not a complete year, so no S for it (a gap)
    rows += [("Fire", "Suppression", f"FY2024 Q{q}", round(FIRE[2024] / 4, 2)) for q in (1, 2, 3)]
    return rows


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    folder = tmp_path_factory.mktemp("city")
    kpis = [{"id": "K1", "goal": "G1", "direction": "Lower is better", "baseline": 10.4, "baseline_fy": 2026},
            {"id": "K2", "goal": "G2", "direction": "Higher is better", "baseline": 53.0, "baseline_fy": 2026},
            {"id": "K3", "goal": "G1", "direction": "Higher is better", "baseline": 71.0, "baseline_fy": 2025,
             "name": "Fire response within 6 minutes"}]
    drivers = [("K1", "Police", "Patrol", -0.3, 0), ("K1", "Police", "Investigations", -0.1, 1),
               ("K2", "Public Works", None, 0.2, 0), ("K3", "Fire", "Suppression", 0.4, 0)]
    spending = {("Police", "Patrol"): PATROL, ("Police", "Investigations"): INVEST,
                ("Public Works", "Streets"): STREETS, ("Public Works", "Parks"): PARKS, ("Fire", "Suppression"): {}}
    plan, budget = write_city(folder, kpis, drivers, {"K1": K1, "K2": K2, "K3": K3}, spending, _actual_rows())
    ds, report = read_city(plan, budget)
    return ds, report, estimate_evidence(ds)


def test_two_drivers_a_lag_and_a_gap_year(city):
    _ds, _report, ev = city
    K = {**K1, 2026: 10.4}
    # t: K[t] and K[t−1] given (not 2020, 2021), Patrol's S[t], S[t−1] (t ≤ 2025), Investigations'
    # S[t−1], S[t−2] (t ≥ 2017)
    years = [t for t in range(2017, 2026) if t not in (2020, 2021)]
    y = log_changes(K, years)
    X = np.column_stack([log_changes(PATROL, years), log_changes(INVEST, years, lag=1)])
    ref = reference_fit(y, X)
    d = ev.drivers.iloc[:2]
    assert list(d["n"]) == [7, 7] and list(d["needs"]) == [5, 5]
    for c in ("estimate", "se", "low", "high", "p"):
        assert d[c].to_numpy() == pytest.approx(ref[c], rel=1e-9, abs=1e-12), c
    assert d["r2"].to_numpy() == pytest.approx([ref["r2"]] * 2, rel=1e-9)
    assert d["years"].iat[0] == years and d["first_year"].iat[0] == 2017 and d["last_year"].iat[0] == 2025
    pts = ev.points(1)
    assert list(pts["fiscal_year"]) == years
    assert pts["x"].to_numpy() == pytest.approx(log_changes(INVEST, years, lag=1), rel=1e-12)
    assert pts["y"].to_numpy() == pytest.approx(y, rel=1e-12)
    assert list(d["status"]) == ["estimated", "estimated"]
    assert list(d["entered"]) == [-0.3, -0.1]


def test_not_enough_history_reports_n_and_nothing_else(city):
    _ds, _report, ev = city
    row = ev.drivers.iloc[2]
    # the department-wide driver sums Streets and Parks; K2 changes in 2024 and 2025 (2026 has no spending)
    assert row["program"] is None and row["spending"] == "Public Works"
    assert row["n"] == 2 and row["needs"] == 4
    assert row["status"] == "not enough history" and row["flags"] == ["not enough history"]
    for c in ("estimate", "se", "low", "high", "p", "r2", "pooled", "pooled_se"):
        assert pd.isna(row[c]), c
    assert pd.isna(row["first_year"]) and pd.isna(row["last_year"])
    assert driver_sentence(row) == ("Not enough history to tell how Public Works spending moves measure K2: 2 years "
                                    "of changes, needs 4.")
    s = ev.spending_history.loc[2]
    assert s[2024] == pytest.approx(STREETS[2024] + PARKS[2024])


def test_spending_from_complete_actuals_years_and_its_gap(city):
    _ds, report, ev = city
    s = ev.spending_history.loc[3]
    for y in FIRE:
        if y != 2024:
            assert s[y] == pytest.approx(round(FIRE[y], 2), abs=0.005)
    assert np.isnan(s[2024])  # FY2024 of the Actuals rows is not complete (Q1–Q3 only)
    gaps = [p for p in ev.report.warnings if "Fire / Suppression" in p.message]
    assert len(gaps) == 1 and "no FY2024 between FY2016 and FY2025" in gaps[0].message
    assert gaps[0].file == "budget.xlsx" and gaps[0].sheet == "Line Items"
    # K3: Baseline FY2025 — the KPI Actuals' FY2025 wins over the Baseline
    assert ev.kpi_history.loc["K3", 2025] == K3[2025]
    row = ev.drivers.iloc[3]
    years = [t for t in range(2017, 2026) if t not in (2024, 2025)]
    ref = reference_fit(log_changes(K3, years), log_changes({y: round(v, 2) for y, v in FIRE.items()}, years)[:, None])
    assert row["n"] == len(years) == 7
    assert row["estimate"] == pytest.approx(ref["estimate"][0], rel=1e-9)
    assert row["high"] == pytest.approx(ref["high"][0], rel=1e-9)


def test_flags_and_sentence(city):
    _ds, _report, ev = city
    row = ev.drivers.iloc[3].copy()
    row["estimate"], row["low"], row["high"], row["entered"] = -0.26, -0.34, -0.19, 0.4
    text = driver_sentence(row)
    c, lo, hi = (1.1 ** -0.26 - 1) * 100, (1.1 ** -0.19 - 1) * 100, (1.1 ** -0.34 - 1) * 100
    assert text == (f"A 10% rise in Suppression spending went with a {abs(c):.1f}% fall in fire response within 6 "
                    f"minutes (80% interval {abs(lo):.1f}%–{abs(hi):.1f}%), over 7 years.")
    row["low"], row["high"] = -0.4, 0.1
    assert "no evidence that spending moves it" in driver_sentence(row)
    flags = ev.drivers["flags"]
    for i, r in ev.drivers.iterrows():
        if r["status"] != "estimated":
            continue
        assert ("no evidence" in flags[i]) == (r["low"] <= 0 <= r["high"])
        assert ("entered outside interval" in flags[i]) == (not r["low"] <= r["entered"] <= r["high"])


def test_kpi_history_sources_first_wins():
    """KPI Actuals yearly values, then the history an import gives, then the Baseline at Baseline FY."""
    from kcplanner.dataset import Budget, Dataset, Plan, PlanSettings

    plan = Plan(settings=PlanSettings(first_plan_year=2027))
    plan.kpis = pd.DataFrame({"kpi_id": ["A", "B"], "name": ["a", "b"], "goal_id": ["G", "G"], "direction": [1, -1],
                              "baseline": [5.0, 7.0], "baseline_fy": pd.array([2024, None], dtype="Int64")})
    # as the readers leave it: the KPI Actuals' yearly rows first, then the import's years
    plan.kpi_history = pd.DataFrame({"kpi_id": ["a", "A", "B", "A"], "fiscal_year": [2023, 2024, 2026, 2023],
                                     "value": [1.0, 2.0, 3.0, 9.0]})
    K = kpi_history(Dataset(plan=plan, budget=Budget()))
    assert list(K.index) == ["A", "B"] and list(K.columns) == [2023, 2024, 2026]
    assert K.loc["A", 2023] == 1.0 and K.loc["A", 2024] == 2.0  # not the import's 9, not the Baseline's 5
    assert K.loc["B", 2026] == 3.0  # y0 = 2026 is B's Baseline FY: the history's value wins
    assert np.isnan(K.loc["B", 2023])
