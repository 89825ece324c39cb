"""Fund the best set: choose requests (and department % changes) that maximise the plan score.

    result = optimize(prepared, base_scenario, OptimizeOptions(objective="score",
                      department_bounds={"Police": (-3, 3)}, must_fund=("REQ-POL-001",)))
    print(summary_text(result)); scenario = result.to_scenario("Optimizer proposal")

A mixed-integer linear program (scipy.optimize.milp, HiGHS) on a linearised model of the engine;
the proposal is then evaluated with the exact engine and both objectives are returned.  The
formulation, the linearisation and every choice SPEC leaves open are in
docs/requests-and-optimizer.md.  In short:

- decisions: z_j ∈ {0,1} fund request j; q_d ∈ [lo_d, hi_d]/100 a percent rule on department d
  appended after the base scenario's rules;
- fund expenditure, balances and structural balance are exactly linear in (z, q): their
  coefficients are differences of engine runs (one per request and one per department);
- driver spending changes x are exactly linear too; the saturation m·tanh(E·x/m) is replaced by a
  conservative piecewise-linear bound (chords on the gain side, the tangent at 0 on the loss side),
  so the linear KPI never looks better than the exact one;
- "KPI k meets its target in year t" is a binary with a big-M row on the linear KPI;
- constraints: every fund with a reserve floor keeps balance ≥ floor × expenditure, and every
  fund keeps recurring revenue ≥ recurring expenditure, in every plan year.  A constraint the
  base scenario already breaks without any request is relaxed to "no worse than that"
  (`baseline_violations="no_worse"`, the default; reported in `relaxed`) or kept
  (`"strict"`, which may make the problem infeasible — then `binding` names the fund and year).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from .engine import Prepared, Results, evaluate
from .scenario import Rule, Scenario, Target

OBJECTIVES = ("score", "kpi_gain")
RULE_LABEL = "Optimizer"
#: Strict fiscal rows must hold with this relative margin (of the fund's expenditure), so that
#: the solver's feasibility tolerance cannot produce a proposal the engine flags.
FISCAL_MARGIN = 2e-7
#: Tolerance (relative to the fund's expenditure) of the exact check of a proposal.
CHECK_TOL = 1e-6
#: A linear KPI must clear its target by this relative margin to count as met in the MILP.
MET_MARGIN = 1e-6


def _key(value: Any) -> str:
    return " ".join(str(value).split()).casefold()


# =============================================================================================
# Options and result
# =============================================================================================

@dataclass(frozen=True)
class OptimizeOptions:
    """What to optimise and under which limits.

    - objective: "score" (the mean plan score over the plan years that have targets) or
      "kpi_gain" (the weighted mean relative KPI improvement over the plan baseline, see `kpi_gain`)
    - must_fund / must_not_fund: request IDs locked in or out
    - department_bounds: {department: (low %, high %)}: those departments get a percent rule
      with a value the optimiser chooses in [low, high] (percent points, e.g. (-5, 2))
    - reserve_floors / structural_balance: which constraint families apply
    - baseline_violations: "no_worse" (default) or "strict" (see the module docstring)
    - pieces: linear pieces of each saturating driver's tanh on its gain side
    - time_limit: seconds for the whole solve (None = no limit)
    - tie_break: among proposals with the best objective, prefer (score objective) the largest KPI
      gain and then the smallest spending change; (kpi_gain) the smallest spending change
    - percent_step: department changes are rounded down to this many percent points when that keeps
      the exact result at least as good (0 = no rounding)
    """

    objective: str = "score"
    must_fund: tuple[str, ...] = ()
    must_not_fund: tuple[str, ...] = ()
    department_bounds: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    reserve_floors: bool = True
    structural_balance: bool = True
    baseline_violations: str = "no_worse"
    pieces: int = 12
    time_limit: float | None = 30.0
    mip_rel_gap: float = 1e-6
    tie_break: bool = True
    percent_step: float = 0.01

    def __post_init__(self) -> None:
        if self.objective not in OBJECTIVES:
            raise ValueError(f"objective: '{self.objective}' is not one of {', '.join(OBJECTIVES)}")
        if self.baseline_violations not in ("no_worse", "strict"):
            raise ValueError("baseline_violations: expected 'no_worse' or 'strict'")
        object.__setattr__(self, "must_fund", tuple(str(r) for r in self.must_fund))
        object.__setattr__(self, "must_not_fund", tuple(str(r) for r in self.must_not_fund))
        bounds = {}
        for d, lohi in dict(self.department_bounds).items():
            lo, hi = (float(v) for v in lohi)
            if not (math.isfinite(lo) and math.isfinite(hi)) or lo > hi:
                raise ValueError(f"department_bounds['{d}']: expected (low, high) percent with low ≤ high, found {lohi!r}")
            if lo <= -100:
                raise ValueError(f"department_bounds['{d}']: a change of {lo}% would remove the department")
            bounds[str(d)] = (lo, hi)
        object.__setattr__(self, "department_bounds", bounds)
        if self.pieces < 1:
            raise ValueError("pieces: at least 1")


@dataclass
class OptimizationResult:
    """A proposal (or why there is none) with its linear and exact objectives."""

    status: str                       # "optimal", "time_limit", "infeasible", "no_solution"
    feasible: bool                    # a proposal exists (and its exact check is in `violations`)
    message: str
    objective: str
    base_scenario: Scenario
    funded: tuple[str, ...] = ()
    department_changes: dict[str, float] = field(default_factory=dict)   # percent points
    linear_objective: float = math.nan
    exact_objective: float = math.nan
    base_objective: float = math.nan          # exact, of the base scenario as given
    exact_score: np.ndarray | None = None     # (5,) plan score of the proposal
    base_score: np.ndarray | None = None
    exact_gain: float = math.nan
    results: Results | None = None            # the exact engine's results of the proposal
    relaxed: list[str] = field(default_factory=list)      # constraints relaxed to "no worse"
    binding: list[str] = field(default_factory=list)      # infeasible: what cannot be met
    violations: list[str] = field(default_factory=list)   # exact check of the proposal (should be empty)
    mip_gap: float = math.nan
    solve_seconds: float = 0.0
    total_seconds: float = 0.0
    method: str = "milp"
    total_cost: np.ndarray | None = None      # (5,) cost of the funded requests by year

    def to_scenario(self, name: str | None = None) -> Scenario:
        """The proposal as a scenario: the base rules, a percent rule per changed department,
        and the funded requests."""
        s = self.base_scenario
        rules = list(s.rules)
        for dept, pct in self.department_changes.items():
            if pct != 0:
                rules.append(Rule(f"{RULE_LABEL}: {dept} {pct:+g}%", Target(department=dept), "percent", pct))
        return Scenario(name=name or f"{s.name} (optimized)", rules=tuple(rules), funded_requests=self.funded)


# =============================================================================================
# Objectives on exact results
# =============================================================================================

def mean_score(results: Results) -> float:
    """The plan score averaged over the plan years that have a score (NaN if none)."""
    s = np.asarray(results.kpis.score, dtype=float)
    return float(np.nanmean(s)) if np.isfinite(s).any() else math.nan


def _gain_scale(K0: np.ndarray) -> np.ndarray:
    a = np.abs(K0)
    return np.where(np.isfinite(a) & (a > 0), a, 1.0)


def kpi_gain(results: Results) -> float:
    """Σ_k Σ_t w_k·dir_k·(K − K0)/|K0| / (5·Σ_k w_k): the weighted mean relative improvement of
    every KPI over its plan baseline (clamped paths; |K0| taken as 1 where K0 is 0)."""
    k = results.kpis
    w = np.asarray(k.weight, dtype=float)
    W = w.sum()
    if not len(w) or W == 0:
        return 0.0
    rel = k.direction[:, None] * (k.scenario - k.baseline) / _gain_scale(k.baseline)
    return float((w[:, None] * rel).sum() / (W * rel.shape[1]))


def objective_value(results: Results, objective: str) -> float:
    return mean_score(results) if objective == "score" else kpi_gain(results)


# =============================================================================================
# Policy constraints (shared by the MILP, the exact check, the greedy fill and the tests)
# =============================================================================================

@dataclass
class _Row:
    kind: str          # "floor" or "structural"
    fund: int
    year: int          # plan-year index
    const: float       # slack at the reference point (base rules, no requests, no department changes)
    rhs: float         # slack must be ≥ rhs
    scale: float
    relaxed: bool


class PolicyConstraints:
    """The fiscal constraints of a run: reserve floors and structural balance, fund by fund and year.

    `slack(results)` is (rows,) and `check(results)` lists violated rows in words.  The reference
    point is the base scenario's rules with no funded request and no department change."""

    def __init__(self, prepared: Prepared, reference: Results, options: OptimizeOptions) -> None:
        P = prepared
        self.prepared = P
        self.options = options
        f = reference.funds
        self.fund_names = list(f.names)
        self.labels = list(reference.year_labels)
        rows: list[_Row] = []
        nf, ny = f.expenditure.shape
        slack_floor = f.balance - f.floor[:, None] * f.expenditure
        for fi in range(nf):
            for t in range(ny):
                scale = max(abs(f.expenditure[fi, t]), abs(f.recurring_expenditure[fi, t]), 1.0)
                # every fund with a floor (a fund whose expenditure stays 0 must then keep a
                # balance ≥ 0), and every fund for structural balance (a request may create one)
                if options.reserve_floors and np.isfinite(f.floor[fi]):
                    const = float(slack_floor[fi, t])
                    rows.append(self._row("floor", fi, t, const, scale, options))
                # a fund without revenue data has no structural balance (NaN): nothing to keep
                if options.structural_balance and np.isfinite(f.structural[fi, t]):
                    const = float(f.structural[fi, t])
                    rows.append(self._row("structural", fi, t, const, scale, options))
        self.rows = rows
        self.floor = f.floor

    @staticmethod
    def _row(kind, fi, t, const, scale, options) -> _Row:
        if const < 0 and options.baseline_violations == "no_worse":
            return _Row(kind, fi, t, const, const, scale, True)
        return _Row(kind, fi, t, const, 0.0, scale, False)

    def __len__(self) -> int:
        return len(self.rows)

    def slack(self, results: Results) -> np.ndarray:
        f = results.funds
        out = np.empty(len(self.rows))
        for i, r in enumerate(self.rows):
            if r.kind == "floor":
                out[i] = f.balance[r.fund, r.year] - f.floor[r.fund] * f.expenditure[r.fund, r.year]
            else:
                out[i] = f.structural[r.fund, r.year]
        return out

    def check(self, results: Results) -> list[str]:
        s = self.slack(results)
        return [self.describe(i, s[i]) for i, r in enumerate(self.rows) if s[i] < r.rhs - CHECK_TOL * r.scale]

    def ok(self, results: Results) -> bool:
        s = self.slack(results)
        return all(s[i] >= r.rhs - CHECK_TOL * r.scale for i, r in enumerate(self.rows))

    def name(self, i: int) -> str:
        r = self.rows[i]
        fund, label = self.fund_names[r.fund], self.labels[r.year]
        if r.kind == "floor":
            return f"the {fund} reserve floor ({_pct(self.floor[r.fund])}) in {label}"
        return f"the {fund} structural balance in {label}"

    def describe(self, i: int, slack: float) -> str:
        r = self.rows[i]
        what = self.name(i)
        if r.relaxed:
            return f"{what}: {_money(r.rhs - slack)} worse than before any request"
        return f"{what}: short by {_money(r.rhs - slack)}"

    def relaxed_messages(self) -> list[str]:
        out = []
        for i, r in enumerate(self.rows):
            if r.relaxed:
                fund, label = self.fund_names[r.fund], self.labels[r.year]
                if r.kind == "floor":
                    out.append(f"{fund} is already below its {_pct(self.floor[r.fund])} reserve floor in {label} "
                               f"before any request ({_money(-r.const)} short): kept no worse than that")
                else:
                    out.append(f"{fund} already has a structural deficit of {_money(-r.const)} in {label} "
                               "before any request: kept no worse than that")
        return out


def _pct(x: float) -> str:
    return (f"{x * 100:.2f}".rstrip("0").rstrip(".")) + "%"


def _money(x: float) -> str:
    return f"-${-x:,.0f}" if x < 0 else f"${x:,.0f}"


# =============================================================================================
# The linear model
# =============================================================================================

class _LP:
    """A small sparse builder: variables with bounds and integrality, rows lb ≤ a·x ≤ ub."""

    def __init__(self) -> None:
        self.lb: list[float] = []
        self.ub: list[float] = []
        self.integer: list[int] = []
        self.r_rows: list[int] = []
        self.r_cols: list[int] = []
        self.r_vals: list[float] = []
        self.row_lb: list[float] = []
        self.row_ub: list[float] = []

    def var(self, lb: float, ub: float, integer: bool = False) -> int:
        self.lb.append(lb)
        self.ub.append(ub)
        self.integer.append(1 if integer else 0)
        return len(self.lb) - 1

    def row(self, cols: Sequence[int], vals: Sequence[float], lb: float, ub: float) -> int:
        i = len(self.row_lb)
        for c, v in zip(cols, vals):
            if v != 0:
                self.r_rows.append(i)
                self.r_cols.append(int(c))
                self.r_vals.append(float(v))
        self.row_lb.append(lb)
        self.row_ub.append(ub)
        return i

    @property
    def n(self) -> int:
        return len(self.lb)

    def matrix(self) -> sp.csr_array:
        return sp.csr_array((self.r_vals, (self.r_rows, self.r_cols)), shape=(len(self.row_lb), self.n))

    def solve(self, c: np.ndarray, extra: list[tuple[np.ndarray, float, float]] = (), time_limit=None,
              gap: float = 1e-6):
        A = self.matrix()
        lbs, ubs = np.array(self.row_lb), np.array(self.row_ub)
        if extra:
            A = sp.vstack([A] + [sp.csr_array(e[0][None, :]) for e in extra]).tocsr()
            lbs = np.concatenate([lbs, [e[1] for e in extra]])
            ubs = np.concatenate([ubs, [e[2] for e in extra]])
        options: dict[str, Any] = {"disp": False, "mip_rel_gap": gap}
        if time_limit is not None:
            options["time_limit"] = max(float(time_limit), 0.05)
        cons = [LinearConstraint(A, lbs, ubs)] if A.shape[0] else []
        return milp(c, integrality=np.array(self.integer), bounds=Bounds(np.array(self.lb), np.array(self.ub)),
                    constraints=cons, options=options)


def _tanh_chords(height: float, scale: float, ymax: float, pieces: int) -> list[tuple[float, float]]:
    """Chord lines (slope, intercept) of h(y) = m·tanh(s·y/m) on [0, ymax]: their minimum is the
    piecewise-linear interpolant (below h, exact at the breakpoints)."""
    m, s = height, scale
    if ymax <= 0:
        return [(0.0, 0.0)]
    # breakpoints uniform in h-value up to tanh(3), so pieces are short where h bends most
    top = math.tanh(s * ymax / m)
    vals = np.linspace(0.0, top, pieces + 1)
    ys = np.array([m * math.atanh(min(v, 1 - 1e-15)) / s for v in vals])
    ys[-1] = ymax
    ys = np.unique(np.concatenate([ys, np.linspace(0.0, ymax, pieces + 1)]))
    hs = m * np.tanh(s * ys / m)
    out = []
    for i in range(len(ys) - 1):
        dy = ys[i + 1] - ys[i]
        if dy <= 0:
            continue
        slope = (hs[i + 1] - hs[i]) / dy
        out.append((slope, hs[i] - slope * ys[i]))
    return out


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


def _lin_range(coef: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[float, float]:
    a, b = coef * lo, coef * hi
    return float(np.minimum(a, b).sum()), float(np.maximum(a, b).sum())


def _build(model: _Model, with_kpis: bool = True, elastic: bool = False):
    """The MILP: returns (lp, info) with the variable indices the objective needs."""
    P, opt = model.P, model.options
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

    # KPIs
    r0 = model.r0
    k0 = r0.kpis
    nk = len(k0.ids)
    ny = len(r0.plan_years)
    x0 = k0.drivers.x
    el = P.drv_el[0]
    cap = P.drv_cap
    K0u = P.K0u
    direction = np.asarray(k0.direction, dtype=float)
    weight = np.asarray(k0.weight, dtype=float)
    lo_all, hi_all = model.dec_lo, model.dec_hi
    # dirK_lin[k, t] = const + Σ coef·vars, collected as dicts
    L_const = np.zeros((nk, ny))
    L_terms: list[list[dict[int, float]]] = [[{} for _ in range(ny)] for _ in range(nk)]
    L_min = np.zeros((nk, ny))      # lower bound of the variable part
    variable = np.zeros((nk, ny), dtype=bool)

    def add(terms: dict[int, float], cols, vals):
        for c, v in zip(cols, vals):
            if v != 0:
                terms[c] = terms.get(c, 0.0) + float(v)

    for k in range(nk):
        for t in range(ny):
            L_const[k, t] = direction[k] * K0u[k, t]
    for d in range(len(P.drv_kpi)):
        k = int(P.drv_kpi[d])
        for t in range(ny):
            c = direction[k] * K0u[k, t]
            if c == 0 or el[d] == 0 or (np.isfinite(cap[d]) and cap[d] == 0):
                continue
            sc = math.copysign(1.0, c)
            coef = model.x[:, d, t]
            xb = x0[d, t]
            if not np.any(coef != 0):
                e = el[d] * xb
                if np.isfinite(cap[d]):
                    e = cap[d] * math.tanh(e / cap[d])
                L_const[k, t] += c * e            # = |c|·sign(c)·e
                continue
            variable[k, t] = True
            if not np.isfinite(cap[d]):           # u = sign(c)·el·x: exactly linear
                g = abs(c) * sc * el[d]
                L_const[k, t] += g * xb
                add(L_terms[k][t], dec, g * coef)
                L_min[k, t] += _lin_range(g * coef, lo_all, hi_all)[0]
                continue
            m = float(cap[d])
            sigma = sc * math.copysign(1.0, el[d])
            ylo, yhi = _lin_range(sigma * coef, lo_all, hi_all)
            ylo += sigma * xb
            yhi += sigma * xb
            yp_max, ym_max = max(yhi, 0.0), max(-ylo, 0.0)
            s_el = abs(el[d])
            yp = lp.var(0.0, yp_max)
            ym = lp.var(0.0, ym_max)
            w = lp.var(0.0, m * math.tanh(s_el * yp_max / m))
            # yp − ym − σ·coef·v = σ·x0
            lp.row([yp, ym] + list(dec), [1.0, -1.0] + list(-sigma * coef), sigma * xb, sigma * xb)
            for slope, icpt in _tanh_chords(m, s_el, yp_max, opt.pieces):
                lp.row([w, yp], [1.0, -slope], -np.inf, icpt)
            add(L_terms[k][t], [w, ym], [abs(c), -abs(c) * s_el])
            L_min[k, t] += -abs(c) * s_el * ym_max

    target = k0.target
    kmin, kmax = P.kpi_min, P.kpi_max
    # score: met binaries
    score_terms: dict[int, float] = {}
    score_const = 0.0
    wt = weight[:, None] * k0.has_target
    W_t = wt.sum(axis=0)
    years_scored = [t for t in range(ny) if k0.has_target[:, t].any() and W_t[t] != 0]
    nys = len(years_scored)
    met_vars = {}
    for t in years_scored:
        for k in range(nk):
            if not k0.has_target[k, t] or weight[k] == 0:
                continue
            share = weight[k] / W_t[t] / nys
            T = target[k, t]
            const_met = None
            if not variable[k, t]:
                const_met = bool(k0.met[k, t])
            elif direction[k] > 0:
                if np.isfinite(kmin[k]) and kmin[k] >= T:
                    const_met = True
                elif np.isfinite(kmax[k]) and kmax[k] < T:
                    const_met = False
            else:
                if np.isfinite(kmax[k]) and kmax[k] <= T:
                    const_met = True
                elif np.isfinite(kmin[k]) and kmin[k] > T:
                    const_met = False
            if const_met is not None:
                score_const += share * const_met
                continue
            s = max(abs(T), abs(K0u[k, t]), 1e-12)
            need = direction[k] * T + MET_MARGIN * s
            lmin = L_const[k, t] + L_min[k, t]
            M = max(need - lmin, 0.0) * (1 + 1e-9) + MET_MARGIN * s
            mv = lp.var(0.0, 1.0, integer=True)
            met_vars[(k, t)] = mv
            terms = L_terms[k][t]
            # Σ terms − M·m ≥ need − L_const − M
            cols = list(terms) + [mv]
            vals = [v / s for v in terms.values()] + [-M / s]
            lp.row(cols, vals, (need - L_const[k, t] - M) / s, np.inf)
            score_terms[mv] = score_terms.get(mv, 0.0) + share
    info["score_terms"], info["score_const"], info["met_vars"] = score_terms, score_const, met_vars

    # gain: v_kt ≤ (L − dir·K0)/|K0| and ≤ (dir·good bound − dir·K0)/|K0|
    K0c = k0.baseline
    sg = _gain_scale(K0c)
    Wall = weight.sum()
    gain_terms: dict[int, float] = {}
    gain_const = 0.0
    if nk and Wall != 0:
        for k in range(nk):
            if weight[k] == 0:
                continue
            share = weight[k] / (Wall * ny)
            for t in range(ny):
                if not variable[k, t]:
                    gain_const += share * direction[k] * (k0.scenario[k, t] - K0c[k, t]) / sg[k, t]
                    continue
                v = lp.var(-np.inf, np.inf)
                terms = L_terms[k][t]
                # v − Σ terms/sg ≤ (L_const − dir·K0)/sg
                lp.row([v] + list(terms), [1.0] + [-x / sg[k, t] for x in terms.values()], -np.inf,
                       (L_const[k, t] - direction[k] * K0c[k, t]) / sg[k, t])
                good = kmax[k] if direction[k] > 0 else kmin[k]
                if np.isfinite(good):
                    lp.ub[v] = min(lp.ub[v], direction[k] * (good - K0c[k, t]) / sg[k, t])
                gain_terms[v] = gain_terms.get(v, 0.0) + share
    info["gain_terms"], info["gain_const"] = gain_terms, gain_const
    return lp, info


def _vec(n: int, terms: Mapping[int, float]) -> np.ndarray:
    c = np.zeros(n)
    for i, v in terms.items():
        c[i] += v
    return c


# =============================================================================================
# optimize
# =============================================================================================

class OptimizationCancelled(Exception):
    """The caller's `cancelled()` returned True while the model was being built."""


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
    msg = (f"{'Optimal' if status == 'optimal' else 'Best found within the time limit'}: "
           f"fund {len(funded)} of {nr} request(s)")
    if any(v != 0 for v in changes.values()):
        msg += ", change " + ", ".join(f"{d} {v:+g}%" for d, v in changes.items() if v != 0)
    if viol:
        msg += "; the exact engine flags: " + "; ".join(viol)
    if progress is not None:
        progress(1.0, "Done")
    return OptimizationResult(
        status=status, feasible=True, message=msg, funded=funded, department_changes=changes,
        linear_objective=primary, exact_objective=val, exact_score=r.kpis.score, exact_gain=kpi_gain(r),
        results=r, violations=viol, mip_gap=gap, solve_seconds=solve_s,
        total_seconds=time.perf_counter() - t_start, total_cost=cost, **common)


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


# =============================================================================================
# The greedy baseline
# =============================================================================================

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


# =============================================================================================
# Text
# =============================================================================================

def summary_text(result: OptimizationResult) -> str:
    """A plain-text summary for the command line."""
    lines = [result.message]
    obj = "mean plan score" if result.objective == "score" else "weighted KPI gain"

    def fmt(v: float) -> str:
        if not math.isfinite(v):
            return "n/a"
        return f"{v * 100:.2f}%" if result.objective == "score" else f"{v * 100:.3f}%"

    if result.feasible:
        lines.append(f"Objective ({obj}): exact {fmt(result.exact_objective)} "
                     f"(linear model {fmt(result.linear_objective)}; base scenario {fmt(result.base_objective)})")
        if result.exact_score is not None:
            lines.append("Plan score by year: " + ", ".join(
                "n/a" if not np.isfinite(s) else f"{s * 100:.1f}%" for s in result.exact_score))
        if result.total_cost is not None:
            lines.append("Cost of the funded requests by year: " + ", ".join(f"{_money(c)}" for c in result.total_cost))
        lines.append(f"Funded ({len(result.funded)}): " + (", ".join(result.funded) or "none"))
        changed = {d: v for d, v in result.department_changes.items() if v != 0}
        if changed:
            lines.append("Department changes: " + ", ".join(f"{d} {v:+g}%" for d, v in changed.items()))
    if result.relaxed:
        lines.append("Constraints the base already breaks (kept no worse):")
        lines.extend(f"  - {m}" for m in result.relaxed)
    if result.binding:
        lines.append("Binding constraints:")
        lines.extend(f"  - {m}" for m in result.binding)
    if result.violations:
        lines.append("Exact check: " + "; ".join(result.violations))
    lines.append(f"Time: {result.total_seconds:.2f} s (solver {result.solve_seconds:.2f} s)")
    return "\n".join(lines)


__all__ = ["OBJECTIVES", "OptimizeOptions", "OptimizationResult", "OptimizationCancelled", "PolicyConstraints", "optimize", "greedy_fill",
           "rank_order", "summary_text", "mean_score", "kpi_gain", "objective_value", "diagnose_infeasible"]
