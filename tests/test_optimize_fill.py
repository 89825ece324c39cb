"""The score-aware starting set (kcplanner/optimize/fill.py) against the exact engine.

ScoreEval is the MILP's linear score evaluated directly: without saturation the linear model is
exact, so its score of any set must equal the engine's plan score of that set; with saturation the
chords make it conservative (never above the engine).  The start itself must keep every fiscal row
(checked by the engine), honour the dominance rows and score no lower than the rank-order fill.
"""

from __future__ import annotations

import numpy as np
import pytest

from kcplanner.engine import evaluate, prepare
from kcplanner.optimize import OptimizeOptions, objective_value, optimize
from kcplanner.optimize.dominance import add_dominance_rows
from kcplanner.optimize.fill import ScoreEval, best_start
from kcplanner.optimize.model import _build, _Model
from kcplanner.optimize.start import rank_order_start
from kcplanner.scenario import EMPTY_SCENARIO
from tests.test_optimize_formulation import city


def _setup(seed: int, **kw):
    P = prepare(city(seed, **kw))
    model = _Model(P, EMPTY_SCENARIO, OptimizeOptions())
    lp, info = _build(model, formulation="tight", with_gain=False)
    return P, model, lp, info


def _engine_score(P, model, v) -> float:
    funded = [model.req_ids[i] for i in range(len(model.req_ids)) if v[i] > 0.5]
    return objective_value(evaluate(P, EMPTY_SCENARIO.with_funded_requests(funded)), "score")


@pytest.mark.parametrize("seed,saturate", [(s, False) for s in range(60, 64)] + [(s, True) for s in range(64, 68)])
def test_linear_score_of_random_sets_against_the_engine(seed, saturate):
    P, model, lp, info = _setup(seed, n_requests=12, saturate=saturate)
    ev = ScoreEval(model, info["kpis"], info["met_vars"], info["score_terms"])
    rng = np.random.default_rng(seed)
    V = (rng.random((model.n_dec, 25)) < 0.5).astype(float)
    linear = ev.score(V) + info["score_const"]
    exact = np.array([_engine_score(P, model, V[:, b]) for b in range(V.shape[1])])
    if saturate:
        assert np.all(linear <= exact + 1e-9)
    else:
        np.testing.assert_allclose(linear, exact, atol=1e-9)
    assert len(set(np.round(exact, 9))) > 1            # the sets differ in score: the check can fail


@pytest.mark.parametrize("seed", range(70, 78))
def test_score_start_keeps_the_rows_honours_dominance_and_beats_rank_order(seed):
    P, model, lp, info = _setup(seed, n_requests=12)
    useless, pairs = add_dominance_rows(model, lp)
    start = best_start(model, info, useless, pairs)
    v = np.array([start[i] for i in range(model.n_dec)])
    funded = [model.req_ids[i] for i in range(len(model.req_ids)) if v[i] > 0.5]
    assert model.constraints.check(evaluate(P, EMPTY_SCENARIO.with_funded_requests(funded))) == []
    assert all(v[j] == 0.0 for j in useless) and all(v[i] >= v[j] for i, j in pairs)
    ranked = rank_order_start(model, useless, pairs)
    r = np.array([ranked[i] for i in range(model.n_dec)])
    ev = ScoreEval(model, info["kpis"], info["met_vars"], info["score_terms"])
    assert ev.score(v[:, None])[0] >= ev.score(r[:, None])[0] - 1e-12


@pytest.mark.parametrize("seed", range(30, 33))
def test_both_starts_reach_the_same_optimum(seed):
    P = prepare(city(seed))
    a = optimize(P, EMPTY_SCENARIO, OptimizeOptions(objective="score", start="score"))
    b = optimize(P, EMPTY_SCENARIO, OptimizeOptions(objective="score", start="rank"))
    assert a.status == b.status == "optimal"
    assert a.linear_objective == pytest.approx(b.linear_objective, abs=1e-9)


def test_unknown_start_is_a_clear_error():
    with pytest.raises(ValueError, match="start: 'best' is not one of score, rank"):
        OptimizeOptions(start="best")
