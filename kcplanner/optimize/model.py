"""The linearised model: each decision measured with the engine (_Model), then the MILP built on
it (_build), with the piecewise-linear bound of each saturating driver (docs/requests-and-optimizer.md)."""

from __future__ import annotations

import math
from typing import Any, Callable, Mapping

import numpy as np

from ..engine import Prepared, evaluate
from ..engine.driver_values import driver_elasticities
from ..scenario import Rule, Scenario, Target
from .constraints import PolicyConstraints
from .lp import _LP
from .objectives import _gain_scale
from .options import FISCAL_MARGIN, MET_MARGIN, RULE_LABEL, OptimizationCancelled, OptimizeOptions, _key

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
    el = driver_elasticities(P, model.base_scenario.driver_overrides).el[0]  # the scenario's overrides too
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
