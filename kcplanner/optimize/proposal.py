"""The proposal of a solved model, evaluated with the exact engine: which requests it funds, its
department changes rounded to the percent step where the exact result stays as good, and the
result with both objectives and the exact check of the policy constraints."""

from __future__ import annotations

import math
import time
from typing import Any, Callable

import numpy as np

from ..engine import evaluate
from .model import _Model
from .objectives import kpi_gain, objective_value
from .options import OptimizationResult


def exact_proposal(model: _Model, x: np.ndarray, status: str, primary: float, figures: dict[str, float],
                   solve_s: float, t_start: float, common: dict[str, Any],
                   progress: Callable[[float, str], None] | None = None) -> OptimizationResult:
    """The result of the MILP solution `x` (decisions first): evaluated with the exact engine.
    `figures`: the solver's "gap" and "bound" when it stopped."""
    P, opt = model.P, model.options
    # the proposal, evaluated exactly
    nr = len(model.req_ids)
    funded = tuple(model.req_ids[i] for i in range(nr) if x[i] > 0.5)
    raw = {model.depts[i]: float(x[nr + i] * 100.0) for i in range(len(model.depts))}
    raw = {d: (0.0 if abs(v) < 1e-9 else v) for d, v in raw.items()}

    def exact(changes: dict[str, float]):
        proto = OptimizationResult(status=status, feasible=True, message="", funded=funded,
                                   department_changes=dict(changes), **common)
        r = evaluate(P, proto.to_scenario())
        viol = model.constraints.check(r)
        val = objective_value(r, opt.objective)
        return (not viol, val if math.isfinite(val) else -math.inf), r, viol, val

    changes = dict(raw)
    best = exact(changes)
    if opt.percent_step > 0:
        # round each department's change to the step (down first, then up) where the exact
        # result stays at least as good
        step = opt.percent_step
        for i, d in enumerate(model.depts):
            lo, hi = (b * 100.0 for b in model.dept_bounds[i])
            v = changes[d]
            down = math.floor(round(v / step, 9)) * step
            up = math.ceil(round(v / step, 9)) * step
            for cand in dict.fromkeys((round(down, 10), round(up, 10))):
                cand = float(min(max(cand, lo), hi))
                if cand == v:
                    break
                trial = dict(changes, **{d: 0.0 if abs(cand) < 1e-12 else cand})
                got = exact(trial)
                if got[0] >= best[0]:
                    changes, best = trial, got
                    break
    _, r, viol, val = best
    cost = np.asarray(r.requests.costs).sum(axis=0) if len(r.requests.ids) else np.zeros(len(r.plan_years))
    gap = figures.get("gap", math.nan)
    within = f" (within {gap * 100:.2f}% of the best possible)" if math.isfinite(gap) else ""
    lead = {"optimal": "Optimal", "stopped": f"Stopped: the best set so far{within}"}.get(
        status, f"Best found within the time limit{within}")
    msg = f"{lead}: fund {len(funded)} of {nr} request(s)"
    if any(v != 0 for v in changes.values()):
        msg += ", change " + ", ".join(f"{d} {v:+g}%" for d, v in changes.items() if v != 0)
    if viol:
        msg += "; the exact engine flags: " + "; ".join(viol)
    if progress is not None:
        progress(1.0, "Done")
    return OptimizationResult(
        status=status, feasible=True, message=msg, funded=funded, department_changes=changes,
        linear_objective=primary, exact_objective=val, exact_score=r.kpis.score, exact_gain=kpi_gain(r),
        results=r, violations=viol, mip_gap=gap, bound=figures.get("bound", math.nan), solve_seconds=solve_s,
        total_seconds=time.perf_counter() - t_start, total_cost=cost, **common)
