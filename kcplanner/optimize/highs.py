"""The one call to HiGHS (highspy, its own Python interface): a MILP solved with a starting
solution, progress reported while it runs and a stop at any time that keeps the best set so far.

scipy.optimize.milp runs an older HiGHS with no callback and no starting solution; highspy has
both (`setSolution`, the MIP callbacks, an interrupt), so the dialog can show the gap and Stop.
"""

from __future__ import annotations

import math
import os
import sys
import threading
import time
from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class SolverProgress:
    """What the solver knows so far, in the objective's own terms (higher is better)."""

    elapsed: float         # seconds since the solve started
    best: float            # objective of the best set found so far (NaN: none yet)
    bound: float           # no set can do better than this
    gap: float             # (bound − best) / |best|; NaN until a set is found

    @property
    def proven(self) -> bool:
        return math.isfinite(self.gap) and self.gap <= 1e-9


@dataclass
class MilpOutcome:
    status: str            # "optimal", "time_limit", "stopped", "infeasible", "no_solution"
    x: np.ndarray | None
    objective: float       # c·x − offset of `x` (minimised)
    bound: float           # lower bound on c·x − offset
    gap: float
    seconds: float
    message: str = ""
    reported: float = math.nan    # the objective HiGHS reported for its solution


def _gap(best: float, bound: float) -> float:
    if not (math.isfinite(best) and math.isfinite(bound)):
        return math.nan
    return max(best - bound, 0.0) / max(abs(best), 1e-9)


def solve_milp(c: np.ndarray, A: sp.csr_array, row_lb: np.ndarray, row_ub: np.ndarray, lb: np.ndarray,
               ub: np.ndarray, integer: np.ndarray, time_limit: float | None = None, gap: float = 1e-6,
               start: Mapping[int, float] | None = None, progress: Callable[[SolverProgress], None] | None = None,
               cancelled: Callable[[], bool] | None = None, every: float = 0.25,
               offset: float = 0.0) -> MilpOutcome:
    """Minimise c·x over lb ≤ x ≤ ub, row_lb ≤ A·x ≤ row_ub, x integer where `integer`.

    The caller maximises offset − c·x: `progress(SolverProgress)` reports in those terms, at most
    every `every` seconds and at each better set, and the gap is relative to that objective.
    `start`: values of some columns HiGHS starts from (completed to a whole solution first).
    When `cancelled()` turns True the solve stops and keeps the best set so far ("stopped").

    HiGHS 1.16 sometimes scores a starting solution wrongly (better than any set) and then calls
    it optimal; its reported objective then differs from the value of the set it returns.  That is
    checked, and the solve is run again without the start in the time that is left."""
    args = (c, A, row_lb, row_ub, lb, ub, integer)
    out = _solve_once(*args, time_limit, gap, start, progress, cancelled, every, offset)
    if start and out.x is not None and out.status != "stopped" and not _consistent(out):
        left = None if time_limit is None else max(time_limit - out.seconds, 0.5)
        again = _solve_once(*args, left, gap, None, progress, cancelled, every, offset)
        again.seconds += out.seconds
        if again.x is not None or again.status == "stopped":
            return again
    if out.x is not None and not _consistent(out):     # stopped: the set holds, its bound does not
        out.bound, out.gap = -math.inf, math.nan
    return out


def _consistent(out: MilpOutcome) -> bool:
    told = out.reported
    return not math.isfinite(told) or abs(told - out.objective) <= 1e-7 * max(1.0, abs(told))


def _solve_once(c: np.ndarray, A: sp.csr_array, row_lb: np.ndarray, row_ub: np.ndarray, lb: np.ndarray,
                ub: np.ndarray, integer: np.ndarray, time_limit: float | None, gap: float,
                start: Mapping[int, float] | None, progress: Callable[[SolverProgress], None] | None,
                cancelled: Callable[[], bool] | None, every: float, offset: float) -> MilpOutcome:
    """Minimise c·x over lb ≤ x ≤ ub, row_lb ≤ A·x ≤ row_ub, x integer where `integer`.

    The caller maximises offset − c·x: `progress(SolverProgress)` reports in those terms, at most
    every `every` seconds and at each better set, and the gap is relative to that objective.
    `start`: a solution HiGHS starts from (used when feasible).  When `cancelled()` turns True
    the solve stops and keeps the best set found so far (status "stopped")."""
    import highspy

    h = _quiet_highs()
    inf = highspy.kHighsInf
    n, m = len(lb), len(row_lb)

    def clip(a):
        a = np.asarray(a, dtype=float)
        return np.where(np.isposinf(a), inf, np.where(np.isneginf(a), -inf, a))

    A = sp.csc_array(A)
    A.sort_indices()
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, m
    lp.col_cost_ = np.asarray(c, dtype=float)
    lp.offset_ = -float(offset)
    lp.col_lower_, lp.col_upper_ = clip(lb), clip(ub)
    lp.row_lower_, lp.row_upper_ = clip(row_lb), clip(row_ub)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n, m
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data.astype(float)
    lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous for i in integer]
    h.passModel(lp)
    h.setOptionValue("mip_rel_gap", float(gap))
    # more effort on finding sets early: the bound is usually close, the best set is what lags
    h.setOptionValue("mip_heuristic_effort", 0.7)
    if time_limit is not None:
        h.setOptionValue("time_limit", max(float(time_limit), 0.05))
    full = _complete(h, lb, ub, start, time_limit) if start else None
    if full is not None:
        sol = highspy.HighsSolution()
        sol.col_value = full
        sol.value_valid = True
        h.setSolution(sol)

    t0 = time.perf_counter()
    state = {"last": -math.inf, "best_x": None, "best": math.inf, "stopped": False}
    lock = threading.Lock()

    def report(primal: float, dual: float) -> None:
        """HiGHS minimises c·x − offset: the caller's objective is its negative."""
        if progress is None:
            return
        best = -float(primal) if math.isfinite(primal) else math.nan
        bound = -float(dual) if math.isfinite(dual) else math.nan
        progress(SolverProgress(time.perf_counter() - t0, best, bound, _gap(primal, dual)))

    def on_interrupt(e) -> None:
        out = e.data_out
        now = time.perf_counter()
        if now - state["last"] >= every:
            state["last"] = now
            report(state["best"], _finite(out.mip_dual_bound))
        if cancelled is not None and cancelled():
            state["stopped"] = True
            e.interrupt()

    def on_better(e) -> None:
        """Keep the set itself: its value is computed from the vector, because early in the solve
        HiGHS may announce a better value than the vector it hands over (and returns on a stop)."""
        out = e.data_out
        x = np.array(out.mip_solution, dtype=float)
        if len(x) != n:
            return
        value = float(c @ x) - offset
        with lock:
            if value < state["best"]:
                state["best"] = value
                state["best_x"] = x
        report(state["best"], _finite(out.mip_dual_bound))

    h.cbMipInterrupt.subscribe(on_interrupt)
    h.cbMipImprovingSolution.subscribe(on_better)
    h.run()
    seconds = time.perf_counter() - t0
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    sol = h.getSolution()
    x = np.array(sol.col_value, dtype=float) if info.primal_solution_status >= 1 and sol.value_valid else None
    if x is not None and len(x) != n:
        x = None
    # after an interrupt the reported solution may lag the best set the callback saw: keep the better
    kept = state["best_x"]
    if kept is not None and len(kept) == n and (x is None or float(c @ kept) < float(c @ x)):
        x = kept
    best = float(c @ x) - offset if x is not None and len(x) == n else math.inf
    bound = _finite(info.mip_dual_bound)
    if x is not None and bound > best:
        bound = best
    if status == "Optimal":
        kind = "optimal"
    elif status == "Infeasible":
        kind = "infeasible"
    elif state["stopped"] or status == "Interrupted by user":
        kind = "stopped"
    elif status == "Time limit reached":
        kind = "time_limit"
    else:
        kind = "no_solution" if x is None else "time_limit"
    if x is None and kind != "infeasible":
        kind = "stopped" if state["stopped"] else "no_solution"
    reported = _finite(info.objective_function_value) if info.primal_solution_status >= 1 else math.nan
    return MilpOutcome(kind, x if x is not None and len(x) == n else None, best, bound,
                       _gap(best, bound) if x is not None else math.nan, seconds, status, reported)


def _quiet_highs():
    """A silent highspy.Highs: the first one of a process prints HiGHS's banner on the C stdout
    before any option can be set, which would land in the command line's output."""
    import highspy

    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):       # no real stdout (a GUI without a console)
        h = highspy.Highs()
    else:
        try:
            with open(os.devnull, "w") as null:
                os.dup2(null.fileno(), 1)
                h = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
    h.setOptionValue("output_flag", False)
    return h


def _complete(h, lb, ub, start: Mapping[int, float], time_limit: float | None) -> np.ndarray | None:
    """A whole solution from the values of some columns: the same model with those columns fixed.

    HiGHS 1.16 takes a partial solution too, but then may report an objective that no set has
    and call it optimal (seen on a 7-item knapsack); a complete feasible solution is safe."""
    import highspy

    lo, hi = np.array(lb, dtype=float), np.array(ub, dtype=float)
    idx = np.array(sorted(start), dtype=np.int32)
    vals = np.array([start[i] for i in idx], dtype=float)
    h.setOptionValue("time_limit", float(min(5.0, time_limit or 5.0)))
    h.changeColsBounds(len(idx), idx, vals, vals)
    try:
        h.run()
        info = h.getInfo()
        sol = h.getSolution()
        ok = info.primal_solution_status >= 1 and sol.value_valid
        return np.array(sol.col_value, dtype=float) if ok else None
    finally:
        h.changeColsBounds(len(idx), idx, lo[idx], hi[idx])
        h.clearSolver()
        if time_limit is not None:
            h.setOptionValue("time_limit", max(float(time_limit), 0.05))
        else:
            h.setOptionValue("time_limit", highspy.kHighsInf)


def _finite(v: float) -> float:
    v = float(v)
    return v if math.isfinite(v) and abs(v) < 1e30 else math.inf if v > 0 else -math.inf
