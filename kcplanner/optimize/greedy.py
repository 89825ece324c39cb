"""The greedy baseline: fund requests in Rank order while the policy constraints hold."""

from __future__ import annotations

import math
import time

import numpy as np

from ..engine import Prepared, evaluate
from ..scenario import Scenario
from .constraints import PolicyConstraints
from .objectives import kpi_gain, objective_value
from .options import OptimizationResult, OptimizeOptions, _key

def rank_order(prepared: Prepared) -> list[str]:
    """Request IDs in Rank order: rank ascending (blank last), then dataset order."""
    P = prepared
    ranks = np.full(len(P.request_ids), np.nan)
    rq = P.dataset.budget.requests
    if "rank" in rq.columns and len(rq) == len(P.request_ids):
        ranks = np.asarray(rq["rank"].to_numpy(dtype=float, na_value=np.nan), dtype=float)
    order = sorted(range(len(P.request_ids)),
                   key=lambda j: (math.isnan(ranks[j]), 0.0 if math.isnan(ranks[j]) else ranks[j], j))
    seen, out = set(), []
    for j in order:
        k = _key(P.request_ids[j])
        if k not in seen:
            seen.add(k)
            out.append(P.request_ids[j])
    return out


def greedy_fill(prepared: Prepared, base_scenario: Scenario, options: OptimizeOptions | None = None) -> OptimizationResult:
    """Fund requests in Rank order while the policy constraints hold (each step checked with the
    exact engine); a request that would break one is skipped.  No department changes."""
    opt = options or OptimizeOptions()
    t0 = time.perf_counter()
    P = prepared
    ref = base_scenario.with_funded_requests(())
    r0 = evaluate(P, ref)
    cons = PolicyConstraints(P, r0, opt)
    base_res = evaluate(P, base_scenario)
    must = [r for r in opt.must_fund]
    never = {_key(r) for r in opt.must_not_fund} | {_key(r) for r in must}
    funded = list(must)
    current = evaluate(P, ref.with_funded_requests(funded))
    ok = cons.ok(current)
    for rid in rank_order(P):
        if _key(rid) in never:
            continue
        trial = evaluate(P, ref.with_funded_requests(funded + [rid]))
        if cons.ok(trial):
            funded.append(rid)
            current = trial
    val = objective_value(current, opt.objective)
    viol = cons.check(current)
    cost = np.asarray(current.requests.costs).sum(axis=0) if len(current.requests.ids) else np.zeros(5)
    return OptimizationResult(
        status="greedy" if ok else "infeasible", feasible=ok,
        message=f"Rank-order fill: fund {len(funded)} of {len(P.request_ids)} request(s)",
        objective=opt.objective, base_scenario=base_scenario, funded=tuple(funded), department_changes={},
        exact_objective=val, base_objective=objective_value(base_res, opt.objective),
        exact_score=current.kpis.score, base_score=base_res.kpis.score, exact_gain=kpi_gain(current),
        results=current, relaxed=cons.relaxed_messages(), violations=viol,
        total_seconds=time.perf_counter() - t0, method="greedy", total_cost=cost)
