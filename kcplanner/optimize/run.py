"""Run a built MILP: through highspy (the "tight" formulation: start, progress, stop) or through
scipy's milp (the "plain" baseline, as the optimizer first did it)."""

from __future__ import annotations

import math
import time
from typing import Callable, Mapping

import numpy as np
import scipy.sparse as sp

from .highs import MilpOutcome, SolverProgress, solve_milp
from .lp import _LP


def run_milp(lp: _LP, c: np.ndarray, tight: bool, extra=(), time_limit: float | None = None, gap: float = 1e-6,
             start: Mapping[int, float] | None = None, offset: float = 0.0,
             progress: Callable[[SolverProgress], None] | None = None,
             cancelled: Callable[[], bool] | None = None) -> MilpOutcome:
    """Minimise c·x − offset over the model (plus `extra` rows (coefficients, low, high))."""
    if not tight:
        t0 = time.perf_counter()
        res = lp.solve(c, extra=list(extra), time_limit=time_limit, gap=gap)
        status = {0: "optimal", 1: "time_limit", 2: "infeasible"}.get(res.status, "no_solution")
        if res.x is None:
            return MilpOutcome("infeasible" if status == "infeasible" else "no_solution", None, math.inf,
                               -math.inf, math.nan, time.perf_counter() - t0, str(res.message))
        value = float(res.fun) - offset
        bound = float(getattr(res, "mip_dual_bound", value) or value) - offset
        g = getattr(res, "mip_gap", math.nan)
        return MilpOutcome(status, res.x, value, min(bound, value), float(g) if g is not None else 0.0,
                           time.perf_counter() - t0, str(res.message))
    A = lp.matrix()
    row_lb, row_ub = np.array(lp.row_lb, dtype=float), np.array(lp.row_ub, dtype=float)
    if extra:
        A = sp.vstack([A] + [sp.csr_array(e[0][None, :]) for e in extra]).tocsr()
        row_lb = np.concatenate([row_lb, [e[1] for e in extra]])
        row_ub = np.concatenate([row_ub, [e[2] for e in extra]])
    return solve_milp(c, A, row_lb, row_ub, np.array(lp.lb, dtype=float), np.array(lp.ub, dtype=float),
                      np.array(lp.integer), time_limit=time_limit, gap=gap, start=start, progress=progress,
                      cancelled=cancelled, offset=offset)
