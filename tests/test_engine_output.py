"""The results file (SPEC "Files it writes"), comparisons, the run summary, and API details."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from kcplanner.engine import compare, evaluate, prepare, run_summary_text, to_json_dict, write_results_json
from kcplanner.results_json import write_results_json as write_again
from kcplanner.scenario import Rule, Scenario, Target

from .engine_data import build_dataset, synthetic_dataset, synthetic_scenario
from .test_engine_model import KPI_LINES, kpi, line


def small():
    lines = KPI_LINES + [line(dept="Water Services", prog="Mains", fund="Water Fund", r2027=500.0)]
    revenue = [{"fund": "General Fund", "source": "Tax", "amounts": {(2027, "Projected"): 3900.0}}]
    funds = [{"fund": "General Fund", "beginning_balance": 400.0, "reserve_floor": 0.08, "reserve_target": 0.1,
              "reserve_ceiling": 0.5}]
    kpis = [kpi("PS-01", name="Response time", direction=-1), kpi("PS-02", name="Clearance")]
    drivers = [{"kpi_id": "PS-01", "department": "Police", "program": "Patrol", "elasticity": -0.4}]
    targets = {"PS-01": {2027: 99.0, 2028: 95.0}, "PS-02": {2027: 100.0}}
    ds = build_dataset(lines=lines, revenue=revenue, funds=funds, kpis=kpis, drivers=drivers, targets=targets)
    return prepare(ds)


def test_results_json_is_exactly_spec(tmp_path):
    P = small()
    res = evaluate(P, Scenario("s", (Rule("Patrol +5%", Target(program="Patrol"), "percent", 5),)))
    path = tmp_path / "out.json"
    write_results_json(res, path)
    data = json.loads(path.read_text())
    assert list(data) == ["plan_years", "funds", "departments", "kpis", "score", "findings"]
    assert data["plan_years"] == [2027, 2028, 2029, 2030, 2031]
    assert list(data["funds"]) == ["General Fund", "Water Fund"]
    assert list(data["funds"]["General Fund"]) == ["revenue", "expenditure", "balance", "reserve_ratio", "structural"]
    gf = data["funds"]["General Fund"]
    # expenditure: Patrol 1000×1.05 + Investigations 3000 + Mowing 0 = 4050; revenue 3900
    assert gf["expenditure"] == [4050.0] * 5
    assert gf["balance"] == pytest.approx([250, 100, -50, -200, -350])
    assert gf["reserve_ratio"][0] == pytest.approx(250 / 4050)
    # Water Fund: no revenue line and no Funds row (SPEC "Funds"): no balance, reserve or structural
    # figures (null); its expenditure (500 a year) and revenue (0) stay
    wf = data["funds"]["Water Fund"]
    assert wf["expenditure"] == [500.0] * 5 and wf["revenue"] == [0.0] * 5
    assert wf["balance"] == wf["reserve_ratio"] == wf["structural"] == [None] * 5
    assert data["departments"]["Police"] == {"baseline": [4000.0] * 5, "scenario": [4050.0] * 5}
    assert set(data["departments"]) == {"Police", "Parks", "Water Services"}
    k1 = data["kpis"]["PS-01"]
    assert list(k1) == ["baseline", "scenario", "low", "high", "target", "met"]
    # x = 0.05, e = −0.4 × 0.05 = −0.02: 98 (lower is better): ≤ 99 met, ≤ 95 not met, no target later → null
    assert k1["scenario"] == pytest.approx([98.0] * 5)
    assert k1["target"] == [99.0, 95.0, None, None, None]
    assert k1["met"] == [True, False, None, None, None]
    # score: 2027 both met → 1; 2028 only PS-01 has a target, not met → 0; later no target → null
    assert data["score"] == [1.0, 0.0, None, None, None]
    f0 = data["findings"][0]
    assert list(f0) == ["fund", "year", "kind", "message"]
    assert {(f["fund"], f["year"], f["kind"]) for f in data["findings"]} >= {
        ("General Fund", 2027, "below_floor"), ("General Fund", 2029, "negative_balance"),
        ("General Fund", 2027, "structural_deficit"), ("Water Fund", None, "no_revenue_data")}
    assert [f["kind"] for f in data["findings"] if f["fund"] == "Water Fund"] == ["no_revenue_data"]
    write_again(res, path)  # the same writer through kcplanner.results_json
    assert json.loads(path.read_text()) == data
    assert not [p for p in tmp_path.iterdir() if p.name != "out.json"]


def test_json_has_null_for_nan_and_no_nan_tokens():
    P = small()
    text = json.dumps(to_json_dict(evaluate(P, Scenario())), allow_nan=False)
    assert "NaN" not in text


def test_compare_gives_every_figure_side_by_side():
    P = small()
    a = P.baseline_results()
    b = evaluate(P, Scenario("b", (Rule("Patrol +$100", Target(program="Patrol"), "amount", 100),)))
    c = compare(a, b)
    row = c.departments[(c.departments["name"] == "Police") & (c.departments["fiscal_year"] == 2027)].iloc[0]
    assert (row["a"], row["b"], row["difference"]) == (4000.0, 4100.0, 100.0)
    bal = c.funds[(c.funds["name"] == "General Fund") & (c.funds["measure"] == "balance")]
    assert list(bal["difference"]) == pytest.approx([-100, -200, -300, -400, -500])
    assert set(c.table["section"]) == {"funds", "departments", "programs", "account classes", "kpis", "score"}
    assert list(c.table.columns) == ["section", "name", "measure", "fiscal_year", "a", "b", "difference"]
    assert (c.name_a, c.name_b) == ("Baseline", "b")


def test_run_summary_text():
    P = small()
    text = run_summary_text(evaluate(P, Scenario("Option A", (Rule("typo", Target(department="Polise"), "percent", 1),))))
    assert "Scenario: Option A" in text
    assert "General Fund" in text and "FY2026-27" in text
    assert "General Fund reserve falls below its 8% floor in FY2026-27" in text
    # no rule applies: PS-01 stays at 100 against targets 99 and 95 (lower is better)
    assert "PS-01 Response time: off target in FY2026-27, FY2027-28" in text
    assert "KPIs off target (1 of 2)" in text
    # 2027: PS-02 met (100 ≥ 100), PS-01 not: 50%; 2028: 0%
    assert "Plan score: FY2026-27 50.0%  FY2027-28 0.0%  FY2028-29 –" in text
    assert "4,000" in text  # small amounts are shown in dollars
    assert "rule 1 'typo': no line items of department 'Polise' (did you mean 'Police'?)" in text


def test_results_frames_and_line_frame():
    P = small()
    res = evaluate(P, Scenario("s", (Rule("Patrol +5%", Target(program="Patrol"), "percent", 5),)))
    fr = res.by_department.frame()
    assert fr.loc["Police", ("difference", 2027)] == pytest.approx(50)
    assert res.funds.frame().loc["General Fund", ("expenditure", 2031)] == pytest.approx(4050)
    assert res.kpis.frame().loc["PS-01", ("met", 2029)] != res.kpis.frame().loc["PS-01", ("met", 2029)]  # NaN
    lf = res.line_frame()
    assert len(lf) == P.n_lines and "scenario FY2026-27" in lf.columns
    assert lf["scenario FY2026-27"].iloc[0] == pytest.approx(1050)


def test_prepare_does_not_modify_the_dataset_and_accepts_plain_text_names():
    ds = build_dataset(lines=[line(dept="Police ", r2027=1.0), line(dept="police", r2027=2.0)], unify=False)
    before = ds.budget.line_items.copy()
    P = prepare(ds)
    assert ds.budget.line_items.equals(before)
    res = evaluate(P, Scenario())
    assert res.by_department.names == ["Police"]       # case and spaces ignored, first spelling wins
    assert res.by_department.baseline[0] == pytest.approx([3.0] * 5)


def test_an_empty_dataset_evaluates():
    ds = build_dataset()
    res = evaluate(prepare(ds), Scenario("e", (Rule("x", Target(department="A"), "percent", 1),)))
    assert res.funds.names == [] and res.kpis.ids == [] and len(res.invalid_rules) == 1
    assert all(math.isnan(v) for v in res.kpis.score)
    assert to_json_dict(res)["funds"] == {}
    assert res.line_amounts()[1].shape == (0, 5)


@pytest.mark.slow
def test_evaluate_is_fast_at_100k_lines():
    """A coarse guard (the benchmark measures properly): a 50-rule scenario at 100k lines."""
    import time
    ds = synthetic_dataset(n_lines=100_000, seed=7)
    P = prepare(ds)
    s = synthetic_scenario(ds, n_rules=50, seed=11)
    evaluate(P, s)
    times = []
    for _ in range(15):
        t = time.perf_counter()
        evaluate(P, s)
        times.append(time.perf_counter() - t)
    assert np.median(times) < 0.05  # goal 10 ms; generous for loaded CI machines


def test_without_a_plan_growth_is_zero_balances_are_null_and_there_are_no_kpis():
    from kcplanner.dataset import Dataset, Plan
    ds = build_dataset(lines=[line(a2026=100.0), line(dept="Fire", a2026=50.0, rec=False)], first_plan_year=None)
    res = evaluate(prepare(Dataset(plan=Plan(), budget=ds.budget)), Scenario())
    assert res.plan_years == [2027, 2028, 2029, 2030, 2031]      # the year after the latest Adopted
    # no growth: 100 + 50 (one-time) in 2027, then 100; no revenue data, so no balance (SPEC "Funds")
    assert res.funds.expenditure[0] == pytest.approx([150, 100, 100, 100, 100])
    assert np.isnan(res.funds.balance[0]).all()
    assert res.kpis.ids == [] and np.isnan(res.kpis.score).all()
