"""The tight formulation (threshold rows, dominance rows, a rank-order start, HiGHS through highspy)
against the plain one (the original model through scipy's milp) and a brute force.

Many small random cities (seeded): saturating and linear drivers, one or two drivers per KPI,
lags, duplicated requests (symmetry) and requests on programs no KPI watches (never needed).
The two formulations must reach the same linear optimum; without saturation both must equal the
brute force over every subset evaluated by the exact engine.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kcplanner.engine import evaluate, prepare
from kcplanner.optimize import OptimizeOptions, PolicyConstraints, objective_value, optimize
from kcplanner.optimize.dominance import dominance
from kcplanner.optimize.kpi_rows import _Saturating
from kcplanner.optimize.model import _Model
from kcplanner.optimize.start import rank_order_start
from kcplanner.scenario import EMPTY_SCENARIO
from tests.engine_data import build_dataset

Y1 = 2027
YEARS = list(range(Y1, Y1 + 5))
PROGRAMS = [("Police", "Patrol"), ("Police", "Investigations"), ("Parks", "Forestry"), ("Parks", "Recreation"),
            ("Health", "Clinics"), ("Health", "Records")]          # Records: no KPI watches it


def city(seed: int, n_requests: int = 9, saturate: bool = True, two_drivers: bool = True):
    """A random small city whose budgets bind; some requests duplicated, some on Records."""
    rng = np.random.default_rng(seed)
    lines, total = [], {"General Fund": 0.0, "Special Fund": 0.0}
    for d, p in PROGRAMS:
        for fund in total:
            amt = round(float(rng.uniform(2e6, 6e6)))
            total[fund] += amt
            lines.append({"fund": fund, "department": d, "program": p, "account_class": "Personnel Services",
                          "recurring": True, "amounts": {(Y1, "Requested"): amt}})
    requests = []
    types = ["Enhancement"] * 6 + ["Capital", "Reduction"]
    for j in range(n_requests):
        if j and rng.random() < 0.2:                 # an identical copy of the previous request
            r = dict(requests[-1], request_id=f"REQ-{j + 1:02d}", title=f"Request {j + 1}")
            requests.append(r)
            continue
        d, p = PROGRAMS[int(rng.integers(0, len(PROGRAMS)))]
        typ = types[int(rng.integers(0, len(types)))]
        base = round(float(rng.uniform(2e5, 1.2e6)), -3)
        recurring = typ != "Capital"
        costs = {y: base * 1.03 ** t for t, y in enumerate(YEARS)} if recurring else {Y1: base, Y1 + 1: base}
        requests.append({"request_id": f"REQ-{j + 1:02d}", "department": d, "program": p,
                         "fund": "General Fund" if rng.random() < 0.7 else "Special Fund", "title": f"Request {j + 1}",
                         "type": typ, "recurring": recurring, "account_class": "Personnel Services",
                         "rank": float(j % 4 + 1), "costs": costs})
    room = {f: sum(r["costs"].get(Y1, 0) for r in requests if r["fund"] == f and r["type"] != "Reduction")
            for f in total}
    revenue = [{"fund": f, "source": "Taxes", "recurring": True, "growth": 0.0,
                "amounts": {(Y1, "Projected"): total[f] + float(rng.uniform(0.2, 0.6)) * room[f]}} for f in total]
    funds = [{"fund": "General Fund", "beginning_balance": 0.1 * total["General Fund"] + 0.5 * room["General Fund"],
              "reserve_floor": 0.10},
             {"fund": "Special Fund", "beginning_balance": 0.05 * total["Special Fund"] + 0.5 * room["Special Fund"],
              "reserve_floor": 0.05}]
    kpis, drivers, targets = [], [], {}
    watched = PROGRAMS[:5]
    for i in range(6):
        kid = f"K{i + 1}"
        direction = 1 if rng.random() < 0.6 else -1
        base = float(rng.uniform(40, 80))
        kpis.append({"kpi_id": kid, "name": f"KPI {kid}", "goal_id": "G1", "direction": direction, "baseline": base,
                     "weight": float(rng.choice([0.5, 1.0, 2.0])), "maximum": 100.0 if direction > 0 else np.nan,
                     "minimum": 0.0})
        n_drv = 2 if two_drivers and rng.random() < 0.4 else 1
        for _ in range(n_drv):
            d, p = watched[int(rng.integers(0, len(watched)))]
            drv = {"kpi_id": kid, "department": d, "program": p if rng.random() < 0.8 else None,
                   "elasticity": float(rng.uniform(0.3, 1.2)) * direction, "lag": int(rng.integers(0, 2))}
            if saturate and rng.random() < 0.7:
                drv["max_effect"] = float(rng.choice([0.01, 0.03, 0.1]))
            drivers.append(drv)
        targets[kid] = {y: base * (1 + direction * float(rng.uniform(0.002, 0.04))) for y in YEARS}
    return build_dataset(lines=lines, revenue=revenue, funds=funds, requests=requests, kpis=kpis,
                         drivers=drivers, targets=targets, goals=[{"goal_id": "G1", "goal": "Goal", "weight": 1.0}])


def brute_force(P, options: OptimizeOptions) -> float:
    """The best exact objective over every subset of requests that keeps the fiscal rows."""
    cons = PolicyConstraints(P, evaluate(P, EMPTY_SCENARIO), options)
    ids = list(P.request_ids)
    best = -math.inf
    for n in range(len(ids) + 1):
        for combo in itertools.combinations(ids, n):
            res = evaluate(P, EMPTY_SCENARIO.with_funded_requests(combo))
            if cons.ok(res):
                best = max(best, objective_value(res, options.objective))
    return best


@pytest.mark.parametrize("seed", range(10, 22))
def test_tight_and_plain_formulations_reach_the_same_optimum(seed):
    P = prepare(city(seed))
    for objective in ("score", "kpi_gain"):
        tight = optimize(P, EMPTY_SCENARIO, OptimizeOptions(objective=objective, formulation="tight"))
        plain = optimize(P, EMPTY_SCENARIO, OptimizeOptions(objective=objective, formulation="plain"))
        assert tight.status == plain.status == "optimal"
        assert tight.violations == [] and plain.violations == []
        assert tight.linear_objective == pytest.approx(plain.linear_objective, abs=1e-7, rel=1e-6)
        assert tight.linear_objective <= tight.exact_objective + 1e-9
        assert tight.bound == pytest.approx(tight.linear_objective, abs=1e-7, rel=1e-6)


@pytest.mark.parametrize("seed", range(30, 36))
def test_tight_formulation_equals_brute_force_without_saturation(seed):
    P = prepare(city(seed, saturate=False))
    for objective in ("score", "kpi_gain"):
        opts = OptimizeOptions(objective=objective)
        result = optimize(P, EMPTY_SCENARIO, opts)
        assert result.status == "optimal" and result.violations == []
        assert result.exact_objective == pytest.approx(brute_force(P, opts), abs=1e-9, rel=1e-7)


def test_dominance_finds_copies_and_requests_no_kpi_watches():
    """Identical requests come as a pair (the earlier one first); a Records request that costs money
    is never needed; and the optimum honours every pair."""
    for seed in range(40, 60):
        ds = city(seed)
        P = prepare(ds)
        model = _Model(P, EMPTY_SCENARIO, OptimizeOptions())
        useless, pairs = dominance(model)
        rq = ds.budget.requests.reset_index()
        key = {r: (row["program"], row["fund"], row["type"], float(P.req_costs[j].sum()))
               for j, (r, row) in enumerate(zip(P.request_ids, rq.to_dict("records")))}
        copies = [(i, j) for i, j in itertools.combinations(range(len(P.request_ids)), 2)
                  if key[P.request_ids[i]] == key[P.request_ids[j]]]
        if copies and useless:
            break
    else:
        pytest.fail("no generated city has both copies and a request on Records")
    assert pairs
    for i, j in copies:
        if i not in useless and j not in useless:
            assert (i, j) in pairs or any(a == i for a, _ in pairs)   # i dominates j, maybe through a chain
    for j in useless:
        rec = rq.iloc[j]
        assert rec["program"] == "Records" or P.req_costs[j].sum() > 0
    # the brute-force optimum over sets that honour the pairs equals the unconstrained one
    opts = OptimizeOptions(objective="score")
    cons = PolicyConstraints(P, evaluate(P, EMPTY_SCENARIO), opts)
    best, best_ok = -math.inf, -math.inf
    ids = list(P.request_ids)
    for mask in range(1 << len(ids)):
        chosen = [k for k in range(len(ids)) if mask >> k & 1]
        res = evaluate(P, EMPTY_SCENARIO.with_funded_requests([ids[k] for k in chosen]))
        if not cons.ok(res):
            continue
        v = objective_value(res, "score")
        best = max(best, v)
        s = set(chosen)
        if all(not (j in s and i not in s) for i, j in pairs) and not (s & set(useless)):
            best_ok = max(best_ok, v)
    assert best_ok == best


@given(m=st.floats(0.005, 0.5), s_el=st.floats(0.1, 3.0), ymax=st.floats(1e-3, 2.0), pieces=st.integers(1, 16),
       frac=st.floats(-1.0, 1.2))
@settings(max_examples=200, deadline=None)
def test_threshold_inverts_the_chord_bound(m, s_el, ymax, pieces, frac):
    """θ = threshold(τ) is the smallest y with best_u(y) ≥ τ (best_u: the chords' minimum, the
    tangent below 0), or None when no y up to y⁺max reaches τ."""
    sat = _Saturating(1.0, 1.0, np.zeros(1), 0.0, m, s_el, ymax, 1.0, pieces)
    top = sat.best_u(ymax)
    tau = frac * top
    theta = sat.threshold(tau)
    if theta is None:
        assert top < tau
        return
    assert sat.best_u(theta) >= tau - 1e-12 * max(1.0, abs(tau))
    step = 1e-6 * max(ymax, 1.0)
    if theta - step > -1.0:
        assert sat.best_u(theta - step) < tau


def test_a_numerically_flat_chord_does_not_push_the_threshold_right():
    """Found by the property above: the last chords of this curve have slopes of 1e-15 and start at
    τ less 1e-15; θ is where the steep chords reach τ (about 0.25), not 0.5 (τ's rounding ÷ 1e-15)."""
    sat = _Saturating(1.0, 1.0, np.zeros(1), 0.0, 0.0234375, 1.5, 0.75, 1.0, 3)
    tau = sat.best_u(0.75)
    steep = [(s, b) for s, b in sat.chords() if s > 1e-9]
    expected = max((tau - b) / s for s, b in steep)   # the chords that rise, inverted by hand
    assert sat.threshold(tau) == pytest.approx(expected, rel=1e-9) and expected < 0.3
    assert sat.best_u(sat.threshold(tau) - 1e-6) < tau


def test_rank_order_start_keeps_every_fiscal_row():
    P = prepare(city(3))
    model = _Model(P, EMPTY_SCENARIO, OptimizeOptions())
    start = rank_order_start(model)
    funded = [model.req_ids[i] for i in range(len(model.req_ids)) if start[i] > 0.5]
    assert funded
    res = evaluate(P, EMPTY_SCENARIO.with_funded_requests(funded))
    assert model.constraints.check(res) == []


@pytest.mark.parametrize("seed", range(40, 52))
def test_rank_order_start_honours_the_dominance_rows(seed):
    """The start HiGHS is given is a whole solution of the model it solves: it keeps every fiscal row
    (checked by the exact engine), funds no request never needed, and funds j only with every i that
    dominates it; the rank-order fill without the dominance results is the reference it may differ from
    only by those swaps and the fill after them (never fewer requests funded)."""
    from kcplanner.optimize.dominance import add_dominance_rows
    from kcplanner.optimize.model import _build

    P = prepare(city(seed, n_requests=12))
    model = _Model(P, EMPTY_SCENARIO, OptimizeOptions())
    lp, _ = _build(model, formulation="tight", with_gain=False)
    useless, pairs = add_dominance_rows(model, lp)
    start = rank_order_start(model, useless, pairs)
    plain = rank_order_start(model)
    funded = [model.req_ids[i] for i in range(len(model.req_ids)) if start[i] > 0.5]
    res = evaluate(P, EMPTY_SCENARIO.with_funded_requests(funded))
    assert model.constraints.check(res) == []
    assert all(start[j] == 0.0 for j in useless)
    assert all(start[i] >= start[j] for i, j in pairs)
    # a request that dominates a funded one leaves at least its room: the swaps never shrink the set
    assert sum(start.values()) >= sum(v for i, v in plain.items() if i not in set(useless))


def test_swaps_for_dominating_requests_keep_the_room_exact():
    """_honour swaps j for i where j is funded without i (chains too), and the room it returns is
    the room of the new set computed afresh."""
    from kcplanner.optimize.start import _honour

    coef = np.array([[-1.0, -2.0, -3.0, -0.5], [-1.0, -1.0, -4.0, 0.0]])   # room each request leaves
    need = np.array([-6.0, -6.0])
    v = np.array([0.0, 0.0, 1.0, 1.0])                  # 2 is funded; 1 dominates 2, 0 dominates 1
    room, swapped = _honour(v, [(1, 2), (0, 1)], coef, coef @ v - need)
    assert swapped and list(v) == [1.0, 0.0, 0.0, 1.0]
    assert np.allclose(room, coef @ v - need)
    assert _honour(v, [(1, 2), (0, 1)], coef, room)[1] is False


def _knapsack(seed: int):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 9))
    value, weight = rng.uniform(0.1, 1.0, n), rng.uniform(0.1, 1.0, n)
    cap = float(weight.sum() * rng.uniform(0.2, 0.8))
    return value, weight, cap


@pytest.mark.parametrize("seed", range(8))
def test_solve_milp_equals_brute_force_and_reports_in_the_callers_terms(seed):
    """A random knapsack through the HiGHS wrapper: the caller maximises offset − c·x; the
    progress, the result and the brute force agree, and the best reported is never above the end."""
    import scipy.sparse as sp

    from kcplanner.optimize.highs import solve_milp

    value, weight, cap = _knapsack(seed)
    n = len(value)
    best = max(sum(value[k] for k in range(n) if m >> k & 1) for m in range(1 << n)
               if sum(weight[k] for k in range(n) if m >> k & 1) <= cap)
    seen = []
    out = solve_milp(-value, sp.csr_array(weight[None, :]), np.array([-np.inf]), np.array([cap]), np.zeros(n),
                     np.ones(n), np.ones(n, dtype=int), time_limit=10, start={0: 0.0}, progress=seen.append,
                     offset=2.0)
    assert out.status == "optimal"
    assert -out.objective == pytest.approx(2.0 + best, abs=1e-7)
    assert out.x is not None and weight @ out.x <= cap + 1e-7
    finite = [p.best for p in seen if math.isfinite(p.best)]
    assert all(b <= 2.0 + best + 1e-7 for b in finite)


def test_solve_milp_stopped_at_once_keeps_a_feasible_set_or_none():
    import scipy.sparse as sp

    from kcplanner.optimize.highs import solve_milp

    value, weight, cap = _knapsack(3)
    n = len(value)
    out = solve_milp(-value, sp.csr_array(weight[None, :]), np.array([-np.inf]), np.array([cap]), np.zeros(n),
                     np.ones(n), np.ones(n, dtype=int), start={i: 0.0 for i in range(n)}, cancelled=lambda: True)
    assert out.status in ("stopped", "optimal")     # a tiny model may be solved before the first check
    if out.x is not None:
        assert weight @ out.x <= cap + 1e-7
