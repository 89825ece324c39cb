"""The optimizer (kcplanner.optimize) against a brute force over every subset, exact engine.

Small random cities (2 funds, 3 departments, 10 requests, KPIs with drivers and targets) whose
revenue makes the reserve floor and structural balance bind.  Without saturation the linear model
is exact, so the optimizer's exact objective must equal the brute-force optimum; with saturation
the linearisation is conservative, and the proposal must still be within a stated tolerance.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from kcplanner.engine import evaluate, prepare
from kcplanner.optimize import (OptimizeOptions, PolicyConstraints, greedy_fill, kpi_gain, mean_score, objective_value,
                                optimize, rank_order, summary_text)
from kcplanner.scenario import EMPTY_SCENARIO, Rule, Scenario, Target
from tests.engine_data import build_dataset

Y1 = 2027
YEARS = list(range(Y1, Y1 + 5))
DEPTS = {"Police": ["Patrol", "Investigations"], "Parks": ["Forestry", "Recreation"], "Health": ["Clinics"]}


def small_city(seed: int, n_requests: int = 9, cap: float | None = None, lag: bool = True,
               floor_gap: float = 0.6, structural_room: float = 0.5):
    """A random small city.  `cap`: Max effect of every driver (None = no saturation)."""
    rng = np.random.default_rng(seed)
    lines = []
    total = {"General Fund": 0.0, "Special Fund": 0.0}
    for d, progs in DEPTS.items():
        for p in progs:
            for fund in ("General Fund", "Special Fund"):
                amt = round(float(rng.uniform(2e6, 6e6)))
                total[fund] += amt
                lines.append({"fund": fund, "department": d, "program": p, "account_class": "Personnel Services",
                              "recurring": True, "amounts": {(Y1, "Requested"): amt}})
    requests = []
    types = ["Enhancement"] * 7 + ["Capital", "Reduction", "New program"]
    for j in range(n_requests):
        d = list(DEPTS)[j % 3]
        p = DEPTS[d][int(rng.integers(0, len(DEPTS[d])))]
        fund = "General Fund" if rng.random() < 0.7 else "Special Fund"
        typ = types[j % len(types)]
        recurring = typ != "Capital"
        base = round(float(rng.uniform(2e5, 1.2e6)), -3)
        costs = {y: base * (1.03 ** t) for t, y in enumerate(YEARS)} if recurring else {Y1: base, Y1 + 1: base}
        if typ == "Reduction":
            costs = {y: base * 0.5 for y in YEARS}
        requests.append({"request_id": f"REQ-{j + 1:02d}", "department": d, "program": p, "fund": fund,
                         "title": f"Request {j + 1}", "type": typ, "recurring": recurring,
                         "account_class": "Personnel Services", "rank": float(j % 4 + 1), "costs": costs})
    # revenue: room for some requests only
    gf_req = sum(r["costs"].get(Y1, 0) for r in requests if r["fund"] == "General Fund" and r["type"] != "Reduction")
    sf_req = sum(r["costs"].get(Y1, 0) for r in requests if r["fund"] == "Special Fund" and r["type"] != "Reduction")
    revenue = [
        {"fund": "General Fund", "source": "Taxes", "recurring": True, "growth": 0.0,
         "amounts": {(Y1, "Projected"): total["General Fund"] + structural_room * gf_req}},
        {"fund": "Special Fund", "source": "Fees", "recurring": True, "growth": 0.0,
         "amounts": {(Y1, "Projected"): total["Special Fund"] + structural_room * sf_req}},
    ]
    funds = [{"fund": "General Fund", "beginning_balance": 0.1 * total["General Fund"] + floor_gap * gf_req,
              "reserve_floor": 0.10},
             {"fund": "Special Fund", "beginning_balance": 0.05 * total["Special Fund"] + floor_gap * sf_req,
              "reserve_floor": 0.05}]
    kpis, drivers, targets = [], [], {}
    kspecs = [("K1", 1, "Police", "Patrol"), ("K2", -1, "Police", "Investigations"), ("K3", 1, "Parks", "Forestry"),
              ("K4", 1, "Parks", None), ("K5", -1, "Health", "Clinics"), ("K6", 1, "Police", None)]
    for i, (kid, direction, d, p) in enumerate(kspecs):
        base = float(rng.uniform(40, 80))
        kpis.append({"kpi_id": kid, "name": f"KPI {kid}", "goal_id": "G1", "direction": direction, "baseline": base,
                     "weight": float(rng.choice([0.5, 1.0, 2.0])), "maximum": 100.0 if direction > 0 else np.nan,
                     "minimum": 0.0})
        el = float(rng.uniform(0.3, 1.2)) * direction
        drv = {"kpi_id": kid, "department": d, "program": p, "elasticity": el,
               "lag": int(rng.integers(0, 2)) if lag else 0}
        if cap is not None:
            drv["max_effect"] = cap
        drivers.append(drv)
        # targets a little better than the baseline: met only with some requests
        targets[kid] = {y: base * (1 + direction * float(rng.uniform(0.002, 0.05))) for y in YEARS}
    return build_dataset(lines=lines, revenue=revenue, funds=funds, requests=requests, kpis=kpis,
                         drivers=drivers, targets=targets, goals=[{"goal_id": "G1", "goal": "Goal", "weight": 1.0}])


def brute_force(P, base: Scenario, options: OptimizeOptions):
    """(best objective, best subset, every (subset, objective, feasible)) over all subsets honouring the locks."""
    ref = base.with_funded_requests(())
    cons = PolicyConstraints(P, evaluate(P, ref), options)
    ids = list(P.request_ids)
    must = {r.casefold() for r in options.must_fund}
    never = {r.casefold() for r in options.must_not_fund}
    free = [r for r in ids if r.casefold() not in must | never]
    fixed = [r for r in ids if r.casefold() in must]
    best, best_set = -math.inf, None
    for n in range(len(free) + 1):
        for combo in itertools.combinations(free, n):
            funded = fixed + list(combo)
            res = evaluate(P, ref.with_funded_requests(funded))
            if not cons.ok(res):
                continue
            v = objective_value(res, options.objective)
            if v > best + 1e-12:
                best, best_set = v, funded
    return best, best_set


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("objective", ["score", "kpi_gain"])
def test_optimizer_equals_brute_force_without_saturation(seed, objective):
    ds = small_city(seed)
    P = prepare(ds)
    opts = OptimizeOptions(objective=objective)
    result = optimize(P, EMPTY_SCENARIO, opts)
    best, best_set = brute_force(P, EMPTY_SCENARIO, opts)
    assert result.feasible and result.status == "optimal"
    assert result.violations == []
    # the constraints bind: not every request fits
    assert len(result.funded) < len(P.request_ids)
    # the linear model is exact here: linear = exact = brute force
    assert result.exact_objective == pytest.approx(best, abs=1e-9, rel=1e-7)
    assert result.linear_objective == pytest.approx(result.exact_objective, abs=1e-7, rel=1e-6)
    # the proposal's scenario reproduces the exact figures
    again = evaluate(P, result.to_scenario("x"))
    assert objective_value(again, objective) == result.exact_objective


@pytest.mark.parametrize("seed", [4, 5])
def test_optimizer_with_saturation_within_tolerance(seed):
    """Max effect 2%: tanh saturates strongly.  The linear model is conservative (never above the
    exact one) and the proposal's exact objective is within 2% of the brute-force optimum (KPI gain)
    and equal to it (score)."""
    ds = small_city(seed, cap=0.02)
    P = prepare(ds)
    for objective, tol in (("kpi_gain", 0.02), ("score", 0.0)):
        opts = OptimizeOptions(objective=objective, pieces=12)
        result = optimize(P, EMPTY_SCENARIO, opts)
        best, _ = brute_force(P, EMPTY_SCENARIO, opts)
        assert result.feasible and result.violations == []
        assert result.linear_objective <= result.exact_objective + 1e-9
        assert result.exact_objective >= best - tol * abs(best) - 1e-12
        assert result.exact_objective <= best + 1e-12


def test_locks_are_honoured_and_optimal_among_locked_sets():
    ds = small_city(2)
    P = prepare(ds)
    free = optimize(P, EMPTY_SCENARIO, OptimizeOptions())
    inside = [r for r in P.request_ids if r in free.funded][:1]
    outside = [r for r in P.request_ids if r not in free.funded][:1]
    opts = OptimizeOptions(must_fund=tuple(outside), must_not_fund=tuple(inside))
    result = optimize(P, EMPTY_SCENARIO, opts)
    if result.feasible:
        assert set(outside) <= set(result.funded)
        assert not set(inside) & set(result.funded)
        best, _ = brute_force(P, EMPTY_SCENARIO, opts)
        assert result.exact_objective == pytest.approx(best, abs=1e-9)
    else:
        assert result.binding
    # the greedy fill honours the locks too
    g = greedy_fill(P, EMPTY_SCENARIO, OptimizeOptions(must_not_fund=tuple(inside)))
    assert not set(inside) & set(g.funded)


def test_infeasible_lock_names_the_binding_fund_and_year():
    ds = small_city(1, floor_gap=0.05, structural_room=0.0)
    P = prepare(ds)
    # the most expensive General Fund request, forced in
    costs = {rid: P.req_costs[j].sum() for j, rid in enumerate(P.request_ids)
             if P.names["request_funds"][j] == "General Fund"}
    big = max(costs, key=costs.get)
    result = optimize(P, EMPTY_SCENARIO, OptimizeOptions(must_fund=(big,)))
    assert not result.feasible and result.status == "infeasible"
    assert result.message.startswith("No feasible set: the General Fund")
    assert any("General Fund" in b and "FY20" in b for b in result.binding)
    assert big in result.binding[0]
    assert "No feasible set" in summary_text(result)


def test_baseline_violation_no_worse_and_strict():
    """The base already breaks the General Fund floor in its last years: by default the optimizer
    keeps it no worse (and says so); in strict mode it reports that the floor cannot be met."""
    ds = small_city(3, floor_gap=0.0, structural_room=-0.3)
    P = prepare(ds)
    base = evaluate(P, EMPTY_SCENARIO)
    assert any(f.kind in ("below_floor", "structural_deficit") for f in base.findings)
    result = optimize(P, EMPTY_SCENARIO, OptimizeOptions())
    assert result.feasible and result.relaxed
    assert any("before any request" in m for m in result.relaxed)
    best, _ = brute_force(P, EMPTY_SCENARIO, OptimizeOptions())
    assert result.exact_objective == pytest.approx(best, abs=1e-9)
    strict = optimize(P, EMPTY_SCENARIO, OptimizeOptions(baseline_violations="strict"))
    assert not strict.feasible
    assert any("General Fund" in b for b in strict.binding)
    assert any(("reserve floor" in b or "structural balance" in b) and "FY" in b for b in strict.binding)


def test_department_bounds_give_a_rule_per_department_and_never_do_worse():
    ds = small_city(1)
    P = prepare(ds)
    plain = optimize(P, EMPTY_SCENARIO, OptimizeOptions())
    bounded = optimize(P, EMPTY_SCENARIO, OptimizeOptions(department_bounds={"Health": (-4, 2), "Parks": (-2, 3)}))
    assert bounded.feasible and bounded.violations == []
    assert bounded.exact_objective >= plain.exact_objective - 1e-12
    for d, v in bounded.department_changes.items():
        lo, hi = {"Health": (-4, 2), "Parks": (-2, 3)}[d]
        assert lo - 1e-9 <= v <= hi + 1e-9
    scen = bounded.to_scenario("Proposal")
    rules = [r for r in scen.rules if r.target.department in bounded.department_changes]
    assert len(rules) == sum(1 for v in bounded.department_changes.values() if v != 0)
    assert all(r.kind == "percent" for r in rules)
    assert set(scen.funded_requests) == set(bounded.funded)


def test_base_rules_are_kept_and_the_proposal_is_on_top():
    ds = small_city(2)
    P = prepare(ds)
    base = Scenario("Base", rules=(Rule("Police +2%", Target(department="Police"), "percent", 2.0),))
    result = optimize(P, base, OptimizeOptions())
    scen = result.to_scenario()
    assert scen.rules[0] == base.rules[0]
    best, _ = brute_force(P, base, OptimizeOptions())
    assert result.exact_objective == pytest.approx(best, abs=1e-9)


def test_greedy_fill_is_feasible_and_follows_rank_order():
    ds = small_city(1)
    P = prepare(ds)
    order = rank_order(P)
    assert order[0] == "REQ-01" and len(order) == len(P.request_ids)
    g = greedy_fill(P, EMPTY_SCENARIO)
    assert g.feasible and g.violations == []
    assert list(g.funded) == [r for r in order if r in g.funded]
    opt = optimize(P, EMPTY_SCENARIO)
    assert opt.exact_objective >= g.exact_objective - 1e-12


def test_objectives_on_exact_results():
    ds = small_city(1)
    P = prepare(ds)
    r = evaluate(P, EMPTY_SCENARIO)
    assert kpi_gain(r) == 0.0
    assert mean_score(r) == pytest.approx(float(np.nanmean(r.kpis.score)))


def test_bad_options_are_clear_errors():
    ds = small_city(1)
    P = prepare(ds)
    with pytest.raises(ValueError, match="unknown request"):
        optimize(P, EMPTY_SCENARIO, OptimizeOptions(must_fund=("NOPE",)))
    with pytest.raises(ValueError, match="both"):
        optimize(P, EMPTY_SCENARIO, OptimizeOptions(must_fund=("REQ-01",), must_not_fund=("req-01",)))
    with pytest.raises(ValueError, match="no department"):
        optimize(P, EMPTY_SCENARIO, OptimizeOptions(department_bounds={"Polize": (-1, 1)}))
    with pytest.raises(ValueError):
        OptimizeOptions(objective="money")
    with pytest.raises(ValueError):
        OptimizeOptions(department_bounds={"Police": (3, -3)})


def test_no_requests_no_departments_and_cancel():
    from kcplanner.optimize import OptimizationCancelled
    ds = small_city(1, n_requests=0)
    P = prepare(ds)
    result = optimize(P, EMPTY_SCENARIO)
    assert result.feasible and result.funded == ()
    assert result.exact_objective == mean_score(evaluate(P, EMPTY_SCENARIO))
    ds = small_city(1)
    P = prepare(ds)
    with pytest.raises(OptimizationCancelled):
        optimize(P, EMPTY_SCENARIO, cancelled=lambda: True)
    seen = []
    result = optimize(P, EMPTY_SCENARIO, progress=lambda f, text: seen.append(f))
    assert seen and seen[-1] == 1.0
    text = summary_text(result)
    assert "Funded" in text and "Objective (mean plan score)" in text


def test_bundled_sample_city():
    """On the bundled sample (whose General Fund already breaks its floor and structural balance):
    a feasible proposal, the relaxed constraints named, at least the greedy fill's score."""
    from pathlib import Path

    from kcplanner.readers import read_dataset
    sample = Path(__file__).resolve().parents[1] / "kcplanner" / "resources" / "sample"
    books = sorted(p for p in sample.glob("*.xlsx") if p.name != "plan.xlsx")
    if not books:
        pytest.skip("no bundled sample")
    ds = read_dataset(sample / "plan.xlsx", books).dataset
    P = prepare(ds)
    result = optimize(P, EMPTY_SCENARIO, OptimizeOptions(time_limit=20))
    assert result.feasible and result.violations == []
    assert any(m.startswith("General Fund") for m in result.relaxed)
    greedy = greedy_fill(P, EMPTY_SCENARIO)
    assert result.exact_objective >= greedy.exact_objective
    assert result.exact_objective >= mean_score(evaluate(P, EMPTY_SCENARIO))
    assert result.linear_objective <= result.exact_objective + 1e-9
    strict = optimize(P, EMPTY_SCENARIO, OptimizeOptions(baseline_violations="strict"))
    assert not strict.feasible
    assert strict.message.startswith("No feasible set: the General Fund")
