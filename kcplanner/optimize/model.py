"""The linearised model: each decision measured with the engine (_Model), then the MILP built on
it (_build), with the piecewise-linear bound of each saturating driver (docs/requests-and-optimizer.md)."""

from __future__ import annotations

from typing import Any, Callable, Mapping

import numpy as np

from ..engine import Prepared, evaluate
from ..scenario import Rule, Scenario, Target
from .constraints import PolicyConstraints
from .kpi_rows import KpiRows
from .lp import _LP
from .options import FISCAL_MARGIN, RULE_LABEL, OptimizationCancelled, OptimizeOptions, _key

class _Model:
    """Everything the MILP needs, computed from engine runs."""

    def __init__(self, prepared: Prepared, base_scenario: Scenario, options: OptimizeOptions,
                 progress: Callable[[float, str], None] | None = None,
                 cancelled: Callable[[], bool] | None = None) -> None:
        P = prepared
        self.P, self.options = P, options
        self.base_scenario = base_scenario
        self.reference_scenario = base_scenario.with_funded_requests(())
        r0 = evaluate(P, self.reference_scenario)
        self.r0 = r0
        self.constraints = PolicyConstraints(P, r0, options)

        # requests (first occurrence of each ID) and locks
        self.req_rows: list[int] = []
        seen = set()
        for j, rid in enumerate(P.request_ids):
            k = _key(rid)
            if k and k not in seen and P.request_index.get(k) == j:
                seen.add(k)
                self.req_rows.append(j)
        self.req_ids = [P.request_ids[j] for j in self.req_rows]
        by_key = {_key(r): i for i, r in enumerate(self.req_ids)}
        self.lock = np.full(len(self.req_ids), -1)   # -1 free, 0 out, 1 in
        unknown = [r for r in (*options.must_fund, *options.must_not_fund) if _key(r) not in by_key]
        if unknown:
            raise ValueError("unknown request ID(s) in the locks: " + ", ".join(unknown))
        both = {_key(r) for r in options.must_fund} & {_key(r) for r in options.must_not_fund}
        if both:
            raise ValueError("request(s) both must-fund and must-not-fund: " + ", ".join(sorted(both)))
        for r in options.must_fund:
            self.lock[by_key[_key(r)]] = 1
        for r in options.must_not_fund:
            self.lock[by_key[_key(r)]] = 0

        # departments with bounds
        self.depts: list[str] = []
        self.dept_bounds: list[tuple[float, float]] = []
        for d, (lo, hi) in options.department_bounds.items():
            code = P.departments.find(d)
            if code is None:
                raise ValueError(f"department_bounds: no department '{d}'{P.departments.suggest(d)}")
            name = P.departments.names[code]
            rule = Rule(RULE_LABEL, Target(department=name), "percent", 100.0)
            problem = P.rule_problem(rule)
            if problem:
                raise ValueError(f"department_bounds: department '{name}': {problem}")
            self.depts.append(name)
            self.dept_bounds.append((lo / 100.0, hi / 100.0))

        # linear columns: engine with one decision at 1 minus the reference
        nr, nd = len(self.req_ids), len(self.depts)
        self.n_dec = nr + nd
        f0 = r0.funds
        x0 = r0.kpis.drivers.x
        self.exp = np.zeros((self.n_dec,) + f0.expenditure.shape)
        self.rexp = np.zeros_like(self.exp)
        self.x = np.zeros((self.n_dec,) + x0.shape)
        total = self.n_dec or 1
        for i in range(self.n_dec):
            if i < nr:
                scen = self.reference_scenario.fund_request(self.req_ids[i])
            else:
                scen = self.reference_scenario.add_rule(
                    Rule(RULE_LABEL, Target(department=self.depts[i - nr]), "percent", 100.0))
            r = evaluate(P, scen)
            self.exp[i] = r.funds.expenditure - f0.expenditure
            self.rexp[i] = r.funds.recurring_expenditure - f0.recurring_expenditure
            self.x[i] = r.kpis.drivers.x - x0
            if cancelled is not None and cancelled():
                raise OptimizationCancelled()
            if progress is not None and i % 10 == 0:
                progress(0.4 * (i + 1) / total, "Measuring each request")
        lo = np.array([0.0 if l != 1 else 1.0 for l in self.lock] + [b[0] for b in self.dept_bounds])
        hi = np.array([1.0 if l != 0 else 0.0 for l in self.lock] + [b[1] for b in self.dept_bounds])
        self.dec_lo, self.dec_hi = lo, hi
        # the five-year dollar size of each decision (tie-break)
        self.dec_size = np.abs(self.exp).sum(axis=(1, 2))

    # -- fiscal rows ------------------------------------------------------------------------
    def fiscal_coef(self, i: int) -> np.ndarray:
        """Coefficients over the decisions of row i's slack (slack = const + coef·v)."""
        r = self.constraints.rows[i]
        if r.kind == "floor":
            floor = self.constraints.floor[r.fund]
            return -self.exp[:, r.fund, :r.year + 1].sum(axis=1) - floor * self.exp[:, r.fund, r.year]
        return -self.rexp[:, r.fund, r.year]


def _build(model: _Model, with_kpis: bool = True, elastic: bool = False, formulation: str = "plain",
           with_gain: bool = True):
    """The MILP: returns (lp, info) with the variable indices the objective needs.

    `formulation` "tight" scores single-driver KPI-years with a threshold row over the decisions
    (kpi_rows.py); `with_gain=False` leaves the KPI gain out (the score objective's first solve)."""
    lp = _LP()
    nv = model.n_dec
    for i in range(nv):
        lp.var(model.dec_lo[i], model.dec_hi[i], integer=i < len(model.req_ids))
    if nv == 0:
        lp.var(0.0, 0.0)  # HiGHS needs at least one column
    dec = np.arange(nv)
    info: dict[str, Any] = {"fiscal_rows": [], "slacks": []}

    # fiscal rows: coef·v ≥ rhs − const (+ margin for strict rows), scaled by the fund's expenditure
    for i, r in enumerate(model.constraints.rows):
        coef = model.fiscal_coef(i) / r.scale
        # strict rows keep a small margin, but never one that would cut off the reference point
        margin = 0.0 if r.relaxed else (FISCAL_MARGIN if r.const < 0 else min(FISCAL_MARGIN, r.const / r.scale))
        need = (r.rhs - r.const) / r.scale + margin
        cols, vals = list(dec), list(coef)
        if elastic:
            s = lp.var(0.0, np.inf)
            info["slacks"].append(s)
            cols.append(s)
            vals.append(1.0)
        info["fiscal_rows"].append(lp.row(cols, vals, need, np.inf))
    if not with_kpis:
        return lp, info
    kpis = KpiRows(model, lp, tight=formulation == "tight")
    info["score_terms"], info["score_const"], info["met_vars"] = kpis.score_rows()
    info["gain_terms"], info["gain_const"] = kpis.gain_rows() if with_gain else ({}, 0.0)
    info["kpis"] = kpis
    return lp, info


def _vec(n: int, terms: Mapping[int, float]) -> np.ndarray:
    c = np.zeros(n)
    for i, v in terms.items():
        c[i] += v
    return c
