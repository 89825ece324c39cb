"""optimize(): measure and build the model, solve it (with the tie-break), hand the solution to
the exact check; and diagnose_infeasible() when there is no solution."""

from __future__ import annotations

import time
from typing import Callable

import numpy as np

from ..engine import Prepared, evaluate
from ..scenario import Scenario
from .constraints import _money
from .dominance import add_dominance_rows
from .fill import best_start
from .highs import SolverProgress
from .model import _build, _Model, _vec
from .objectives import objective_value
from .options import FISCAL_MARGIN, OptimizationResult, OptimizeOptions
from .proposal import exact_proposal
from .run import run_milp
from .start import rank_order_start


def optimize(prepared: Prepared, base_scenario: Scenario, options: OptimizeOptions | None = None,
             progress: Callable[[float, str], None] | None = None,
             cancelled: Callable[[], bool] | None = None,
             solver_progress: Callable[[SolverProgress], None] | None = None) -> OptimizationResult:
    """Choose the requests to fund (and department changes within bounds) that maximise the
    objective under the policy constraints; evaluate the proposal with the exact engine.

    `progress(fraction, text)` reports the stages; `solver_progress(SolverProgress)` reports the
    solve itself (elapsed, best objective, bound, gap) at least every second.  `cancelled()` is
    polled while the model is built (raises OptimizationCancelled) and, with the "tight"
    formulation, while it is solved: the solve then stops with the best set so far (status
    "stopped").  Raises ValueError for unknown request IDs or departments in the options."""
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
    tight = opt.formulation == "tight"
    score = opt.objective == "score"
    lp, info = _build(model, formulation=opt.formulation, with_gain=not (tight and score))
    start = None
    if tight:
        useless, pairs = add_dominance_rows(model, lp)
        start = (best_start(model, info, useless, pairs) if opt.start == "score"
                 else rank_order_start(model, useless, pairs))
    n = lp.n
    primary_terms = info["score_terms"] if score else info["gain_terms"]
    primary_const = info["score_const"] if score else info["gain_const"]
    c1 = -_vec(n, primary_terms)
    limit = opt.time_limit
    t_solve = time.perf_counter()
    if progress is not None:
        progress(0.5, "Solving")
    stop = cancelled if tight else None
    res = run_milp(lp, c1, tight, time_limit=limit, gap=opt.mip_rel_gap, start=start, offset=primary_const,
                   progress=solver_progress, cancelled=stop)
    status = res.status
    if res.x is None:
        solve_s = time.perf_counter() - t_solve
        if status == "infeasible":
            binding = diagnose_infeasible(model)
            msg = "No feasible set: " + (binding[0] if binding else "the locks and bounds conflict")
            if len(binding) > 1:
                msg += f" (and {len(binding) - 1} more constraint(s) that cannot be met)"
            return OptimizationResult(status="infeasible", feasible=False, message=msg, binding=binding,
                                      solve_seconds=solve_s, total_seconds=time.perf_counter() - t_start, **common)
        return OptimizationResult(status="no_solution" if status != "stopped" else "stopped", feasible=False,
                                  message=f"No proposal found ({res.message})", solve_seconds=solve_s,
                                  total_seconds=time.perf_counter() - t_start, **common)
    x = res.x
    primary = -res.objective
    figures = {"gap": res.gap, "bound": -res.bound}

    # tie-break: keep the primary objective, prefer KPI gain / the smallest spending change
    stopped = status == "stopped"
    if opt.tie_break and model.n_dec and not stopped:
        if tight and score:       # the first solve left the gain out: the full model now
            lp, info = _build(model, formulation="tight")
            add_dominance_rows(model, lp)
            first = dict(zip(range(model.n_dec), x[:model.n_dec]))
        else:
            first = dict(enumerate(x))
        better = _tie_break(model, lp, info, opt, x, res, first, t_solve, tight, cancelled if tight else None)
        x = x if better is None else better
    solve_s = time.perf_counter() - t_solve
    return exact_proposal(model, x, status, primary, figures, solve_s, t_start, common, progress)


def _tie_break(model: _Model, lp, info, opt: OptimizeOptions, x, res, first, t_solve, tight, cancelled):
    """Among the sets as good as `x` on the primary objective: (score) the largest KPI gain minus
    10⁻³ × the dollar size of the decisions; (kpi_gain) the smallest dollar size.  A refinement:
    at most max(1 s, 3 × the first solve), within the time limit; its best set so far is used."""
    elapsed = time.perf_counter() - t_solve
    remaining = max(1.0, 3.0 * elapsed)
    if opt.time_limit is not None:
        remaining = min(remaining, max(opt.time_limit - elapsed, 0.5))
    n = lp.n
    size_terms = {}
    total_exp = float(np.abs(model.r0.funds.expenditure).sum()) or 1.0
    # |q_d| through an auxiliary variable a_d ≥ ±q_d
    for i in range(model.n_dec):
        if i < len(model.req_ids):
            size_terms[i] = model.dec_size[i] / total_exp
        else:
            a = lp.var(0.0, np.inf)
            lp.row([a, i], [1.0, -1.0], 0.0, np.inf)
            lp.row([a, i], [1.0, 1.0], 0.0, np.inf)
            size_terms[a] = model.dec_size[i] / total_exp
            first[a] = abs(float(x[i]))
    n2 = lp.n
    best = -float(res.objective) - (info["score_const"] if opt.objective == "score" else info["gain_const"])
    if opt.objective == "score":
        c2 = -_vec(n2, info["gain_terms"]) + 1e-3 * _vec(n2, size_terms)
        keep = _vec(n2, info["score_terms"])
        floor_val = best - 1e-9
    else:
        c2 = _vec(n2, size_terms)
        keep = _vec(n2, info["gain_terms"])
        floor_val = best - 1e-7 * max(abs(best), 1e-3)
    res2 = run_milp(lp, c2, tight, extra=[(keep, floor_val, np.inf)], time_limit=remaining, gap=1e-4,
                    start=first if tight else None, cancelled=cancelled)
    if res2.x is None:
        return None
    return res2.x[:n] if not tight else res2.x


def diagnose_infeasible(model: _Model) -> list[str]:
    """Which fiscal constraints cannot be met: an elastic model (a slack on every fiscal row,
    minimise their sum) names every row that keeps a positive slack, with the shortfall."""
    lp, info = _build(model, with_kpis=False, elastic=True)
    c = _vec(lp.n, {s: 1.0 for s in info["slacks"]})
    res = run_milp(lp, c, model.options.formulation == "tight", time_limit=model.options.time_limit, gap=1e-9)
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
