"""optimize(): measure and build the model, solve it (with the tie-break), hand the solution to
the exact check; and diagnose_infeasible() when there is no solution."""

from __future__ import annotations

import math
import time
from typing import Callable

import numpy as np

from ..engine import Prepared, evaluate
from ..scenario import Scenario
from .constraints import _money
from .model import _build, _Model, _vec
from .objectives import objective_value
from .options import FISCAL_MARGIN, OptimizationResult, OptimizeOptions
from .proposal import exact_proposal


def optimize(prepared: Prepared, base_scenario: Scenario, options: OptimizeOptions | None = None,
             progress: Callable[[float, str], None] | None = None,
             cancelled: Callable[[], bool] | None = None) -> OptimizationResult:
    """Choose the requests to fund (and department changes within bounds) that maximise the
    objective under the policy constraints; evaluate the proposal with the exact engine.

    `progress(fraction, text)` reports progress; `cancelled()` is polled while the model is built
    (raises OptimizationCancelled); the solve itself is bounded by `options.time_limit`.
    Raises ValueError for unknown request IDs or departments in the options."""
    opt = options or OptimizeOptions()
    t_start = time.perf_counter()
    P = prepared
    model = _Model(P, base_scenario, opt, progress, cancelled)
    base_res = evaluate(P, base_scenario)
    common = dict(objective=opt.objective, base_scenario=base_scenario,
                  base_objective=objective_value(base_res, opt.objective), base_score=base_res.kpis.score,
                  relaxed=model.constraints.relaxed_messages())
    if progress is not None:
        progress(0.45, "Building the model")
    lp, info = _build(model)
    n = lp.n
    primary_terms = info["score_terms"] if opt.objective == "score" else info["gain_terms"]
    primary_const = info["score_const"] if opt.objective == "score" else info["gain_const"]
    c1 = -_vec(n, primary_terms)
    limit = opt.time_limit
    t_solve = time.perf_counter()
    if progress is not None:
        progress(0.5, "Solving")
    res = lp.solve(c1, time_limit=limit, gap=opt.mip_rel_gap)
    status = "optimal" if res.status == 0 else ("time_limit" if res.status == 1 else
                                                 ("infeasible" if res.status == 2 else "no_solution"))
    if res.x is None:
        solve_s = time.perf_counter() - t_solve
        if res.status == 2 or status == "infeasible":
            binding = diagnose_infeasible(model)
            msg = "No feasible set: " + (binding[0] if binding else "the locks and bounds conflict")
            if len(binding) > 1:
                msg += f" (and {len(binding) - 1} more constraint(s) that cannot be met)"
            return OptimizationResult(status="infeasible", feasible=False, message=msg, binding=binding,
                                      solve_seconds=solve_s, total_seconds=time.perf_counter() - t_start, **common)
        return OptimizationResult(status="no_solution", feasible=False,
                                  message=f"No proposal found ({res.message})", solve_seconds=solve_s,
                                  total_seconds=time.perf_counter() - t_start, **common)
    x = res.x
    primary = float(-res.fun) + primary_const
    gap = float(getattr(res, "mip_gap", math.nan) or 0.0)

    # tie-break: keep the primary objective, prefer KPI gain / the smallest spending change
    if opt.tie_break and model.n_dec:
        elapsed = time.perf_counter() - t_solve
        # the tie-break is a refinement: at most max(1 s, 3 × the first solve), within the limit
        remaining = max(1.0, 3.0 * elapsed)
        if limit is not None:
            remaining = min(remaining, max(limit - elapsed, 0.5))
        size_terms = {}
        total_exp = float(np.abs(model.r0.funds.expenditure).sum()) or 1.0
        # |q_d| through an auxiliary variable a_d ≥ ±q_d
        extra_cols = []
        for i in range(model.n_dec):
            if i < len(model.req_ids):
                size_terms[i] = model.dec_size[i] / total_exp
            else:
                a = lp.var(0.0, np.inf)
                lp.row([a, i], [1.0, -1.0], 0.0, np.inf)
                lp.row([a, i], [1.0, 1.0], 0.0, np.inf)
                size_terms[a] = model.dec_size[i] / total_exp
                extra_cols.append(a)
        n2 = lp.n
        if opt.objective == "score":
            c2 = -_vec(n2, info["gain_terms"]) + 1e-3 * _vec(n2, size_terms)
            keep = _vec(n2, info["score_terms"])
            floor_val = float(-res.fun) - 1e-9
        else:
            c2 = _vec(n2, size_terms)
            keep = _vec(n2, info["gain_terms"])
            floor_val = float(-res.fun) - 1e-7 * max(abs(float(res.fun)), 1e-3)
        res2 = lp.solve(c2, extra=[(keep, floor_val, np.inf)], time_limit=remaining, gap=1e-4)
        if res2.x is not None:
            x = res2.x[:n]
            primary = float(keep @ res2.x) + primary_const
    solve_s = time.perf_counter() - t_solve
    return exact_proposal(model, x, status, primary, gap, solve_s, t_start, common, progress)


def diagnose_infeasible(model: _Model) -> list[str]:
    """Which fiscal constraints cannot be met: an elastic model (a slack on every fiscal row,
    minimise their sum) names every row that keeps a positive slack, with the shortfall."""
    lp, info = _build(model, with_kpis=False, elastic=True)
    c = _vec(lp.n, {s: 1.0 for s in info["slacks"]})
    res = lp.solve(c, time_limit=model.options.time_limit, gap=1e-9)
    out = []
    locks = [model.req_ids[i] for i in range(len(model.req_ids)) if model.lock[i] == 1]
    lock_text = (f" with the must-fund request(s) {', '.join(locks)}" if locks else "")
    bounds_text = ""
    forced = [f"{d} {lo * 100:+g}% to {hi * 100:+g}%" for d, (lo, hi) in zip(model.depts, model.dept_bounds)
              if lo > 0 or hi < 0]
    if forced:
        bounds_text = f" and the department bounds {', '.join(forced)}"
    if res.x is None:
        return ["the locks and bounds admit no solution"]
    for i, s in enumerate(info["slacks"]):
        short = float(res.x[s]) * model.constraints.rows[i].scale
        row = model.constraints.rows[i]
        if res.x[s] > 1e-7:
            short -= (0.0 if row.relaxed or row.const >= 0 else FISCAL_MARGIN * row.scale)
            what = model.constraints.name(i)
            goal = "kept no worse than before any request" if row.relaxed else "met"
            out.append(f"{what} cannot be {goal} even with every unlocked request unfunded"
                       f"{lock_text}{bounds_text} (short by {_money(max(short, 0.0))})")
    return out
