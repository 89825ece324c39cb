"""Properties of the engine that hold for any dataset and scenario (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kcplanner.dataset import Budget, Dataset, Plan
from kcplanner.engine import evaluate, prepare
from kcplanner.scenario import Rule, Scenario, Target

from .engine_data import synthetic_dataset, synthetic_scenario
from .engine_reference import reference

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def small_city(seed: int, zero_share: float = 0.05) -> Dataset:
    return synthetic_dataset(n_lines=150, n_departments=4, n_programs=9, n_funds=3, n_kpis=8, n_drivers=16,
                             n_requests=6, n_revenue=8, seed=seed, zero_share=zero_share)


_CACHE: dict = {}


def city(seed: int):
    if seed not in _CACHE:
        ds = small_city(seed)
        _CACHE[seed] = (ds, prepare(ds))
    return _CACHE[seed]


seeds = st.integers(0, 7)


@SETTINGS
@given(seeds)
def test_empty_scenario_is_the_baseline(seed):
    ds, P = city(seed)
    res = evaluate(P, Scenario())
    base, scen = res.line_amounts()
    assert np.array_equal(base, scen)
    assert np.allclose(res.by_department.scenario, res.by_department.baseline, rtol=1e-12, atol=1e-6)
    assert np.allclose(res.kpis.scenario, res.kpis.baseline, rtol=1e-12)
    assert np.array_equal(res.revenue.scenario, res.revenue.baseline)


@SETTINGS
@given(seeds, st.floats(-60, 200), st.sampled_from(["department", "program", "account_class", "fund"]),
       st.integers(0, 4), st.integers(0, 4))
def test_percent_then_its_inverse_returns_the_baseline(seed, x, key, a, b):
    ds, P = city(seed)
    li = ds.budget.line_items
    name = str(li[key].iloc[seed % len(li)])
    start, end = 2027 + min(a, b), 2027 + max(a, b)
    inverse = (1.0 / (1.0 + x / 100.0) - 1.0) * 100.0
    s = Scenario("pm", (Rule("up", Target(**{key: name}), "percent", x, start, end),
                        Rule("down", Target(**{key: name}), "percent", inverse, start, end)))
    res = evaluate(P, s)
    base, scen = res.line_amounts()
    np.testing.assert_allclose(scen, base, rtol=1e-12, atol=1e-6)
    np.testing.assert_allclose(res.funds.balance, P.baseline_results().funds.balance, rtol=1e-12, atol=1e-4)


@SETTINGS
@given(seeds, st.floats(-5e5, 5e5), st.integers(0, 8), st.integers(0, 8))
def test_moving_an_amount_between_programs_keeps_the_total(seed, amount, i, j):
    ds, P = city(seed)
    li = ds.budget.line_items[ds.budget.line_items["recurring"]]
    pairs = li[["department", "program"]].astype(str).drop_duplicates().to_numpy()
    (d1, p1), (d2, p2) = pairs[i % len(pairs)], pairs[j % len(pairs)]
    s = Scenario("move", (Rule("out", Target(department=d1, program=p1), "amount", -amount),
                          Rule("in", Target(department=d2, program=p2), "amount", amount)))
    res = evaluate(P, s)
    base, scen = res.line_amounts()
    np.testing.assert_allclose(scen.sum(0), base.sum(0), rtol=1e-12, atol=1e-5 * max(1.0, abs(amount)))
    np.testing.assert_allclose(res.by_program.scenario.sum(0), res.by_program.baseline.sum(0), rtol=1e-12, atol=1e-3)
    np.testing.assert_allclose(res.by_fund.scenario.sum(0), res.by_fund.baseline.sum(0), rtol=1e-12, atol=1e-3)


@SETTINGS
@given(seeds, st.integers(0, 100))
def test_fund_balance_identity_every_year(seed, scen_seed):
    ds, P = city(seed)
    res = evaluate(P, synthetic_scenario(ds, n_rules=12, seed=scen_seed, n_funded=3))
    f = res.funds
    prev = f.beginning_balance
    for t in range(5):
        np.testing.assert_allclose(f.balance[:, t], prev + f.revenue[:, t] - f.expenditure[:, t], rtol=1e-12, atol=1e-6)
        prev = f.balance[:, t]
    # revenue and expenditure of all funds add up to the line-level totals plus the requests
    _, scen = res.line_amounts()
    np.testing.assert_allclose(f.expenditure.sum(0), scen.sum(0) + res.requests.costs.sum(0), rtol=1e-12, atol=1e-4)
    np.testing.assert_allclose(f.revenue.sum(0), res.revenue.scenario.sum(0), rtol=1e-12, atol=1e-4)
    ratio = np.where(f.expenditure != 0, f.balance / np.where(f.expenditure != 0, f.expenditure, 1), np.nan)
    np.testing.assert_allclose(f.reserve_ratio, ratio, rtol=1e-12, equal_nan=True)


def _shuffled(ds: Dataset, rng: np.random.Generator) -> Dataset:
    b, p = ds.budget, ds.plan
    o = rng.permutation(len(b.line_items))
    r = rng.permutation(len(p.revenue))
    q = rng.permutation(len(b.requests))
    k = rng.permutation(len(p.kpis))
    d = rng.permutation(len(p.drivers))
    budget = Budget(line_items=b.line_items.iloc[o].reset_index(drop=True), amounts=b.amounts.iloc[o].reset_index(drop=True),
                    positions=b.positions.iloc[rng.permutation(len(b.positions))].reset_index(drop=True),
                    requests=b.requests.iloc[q].reset_index(drop=True), request_costs=b.request_costs.iloc[q])
    plan = Plan(settings=p.settings, goals=p.goals, objectives=p.objectives, kpis=p.kpis.iloc[k].reset_index(drop=True),
                kpi_targets=p.kpi_targets.iloc[rng.permutation(len(p.kpi_targets))], kpi_history=p.kpi_history,
                drivers=p.drivers.iloc[d].reset_index(drop=True), revenue=p.revenue.iloc[r].reset_index(drop=True),
                revenue_amounts=p.revenue_amounts.iloc[r].reset_index(drop=True), assumptions=p.assumptions,
                funds=p.funds.iloc[rng.permutation(len(p.funds))].reset_index(drop=True))
    return Dataset(plan=plan, budget=budget), o


def _by_name(names, values):
    return pd.DataFrame(values, index=pd.Index([str(n) for n in names])).sort_index()


@settings(max_examples=10, deadline=None)
@given(seeds, st.integers(0, 1000))
def test_results_do_not_depend_on_the_order_of_rows(seed, shuffle_seed):
    ds, P = city(seed)
    scenario = synthetic_scenario(ds, n_rules=15, seed=seed + 1, n_funded=3)
    a = evaluate(P, scenario)
    shuffled, order = _shuffled(ds, np.random.default_rng(shuffle_seed))
    b = evaluate(prepare(shuffled), scenario)
    np.testing.assert_allclose(b.line_amounts()[1], a.line_amounts()[1][order], rtol=1e-9, atol=1e-6)
    for attr in ("balance", "revenue", "expenditure", "structural", "reserve_ratio"):
        pd.testing.assert_frame_equal(_by_name(b.funds.names, getattr(b.funds, attr)),
                                      _by_name(a.funds.names, getattr(a.funds, attr)), rtol=1e-9, atol=1e-6)
    pd.testing.assert_frame_equal(_by_name(b.by_department.names, b.by_department.scenario),
                                  _by_name(a.by_department.names, a.by_department.scenario), rtol=1e-9, atol=1e-6)
    pd.testing.assert_frame_equal(_by_name(b.kpis.ids, b.kpis.scenario), _by_name(a.kpis.ids, a.kpis.scenario),
                                  rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(b.kpis.score, a.kpis.score, rtol=1e-12, equal_nan=True)
    assert sorted(f.message for f in b.findings) == sorted(f.message for f in a.findings)


@settings(max_examples=12, deadline=None)
@given(st.integers(0, 50), st.integers(0, 1000), st.sampled_from([0.0, 0.3]))
def test_group_shortcut_equals_the_line_level_reference(seed, scen_seed, zero_share):
    """Random scenarios, including zero-sum sets (many zero lines), against tests/engine_reference.py."""
    ds = synthetic_dataset(n_lines=60, n_departments=3, n_programs=5, n_funds=2, n_kpis=5, n_drivers=8,
                           n_requests=4, n_revenue=4, seed=seed, zero_share=zero_share)
    scenario = synthetic_scenario(ds, n_rules=10, seed=scen_seed, n_funded=2)
    res = evaluate(prepare(ds), scenario)
    valid = tuple(r for i, r in enumerate(scenario.rules) if i not in dict(res.invalid_rules))
    ref = reference(ds, Scenario("r", valid, scenario.funded_requests))
    np.testing.assert_allclose(res.line_amounts()[1], ref["lines"][1], rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(res.revenue.scenario, ref["revenue"][1], rtol=1e-9, atol=1e-6)
    for i, kid in enumerate(res.kpis.ids):
        np.testing.assert_allclose(res.kpis.scenario[i], ref["kpis"][kid]["scenario"], rtol=1e-9)
    np.testing.assert_allclose(res.kpis.score, ref["score"], rtol=1e-12, equal_nan=True)
