"""The KPI part of the MILP: each driver-year's effect, the "met" indicators and the gain variables.

Two formulations of "KPI k meets its target in year t" (docs/requests-and-optimizer.md):

- "plain" (the original): every saturating driver-year gets y⁺, y⁻ and w (the chords of tanh),
  and the met binary sits on a big-M row over the linear KPI;
- "tight": a KPI-year moved by ONE saturating driver-year is met exactly when that driver's
  spending change y clears a threshold θ, the inverse of the same piecewise-linear bound
  (increasing, so the inverse exists): the met row is then a row over the decisions alone, with
  the big-M taken from the decisions' range, and y⁺, y⁻, w are built only where a row needs
  them (a KPI-year with several moving drivers, or the KPI gain).  Both formulations have the
  same (decisions, met) solutions, so the same optimum; tests/test_optimize_formulation.py checks
  that on random cities against each other and a brute force.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..engine.driver_values import driver_elasticities

from .lp import _LP
from .objectives import _gain_scale
from .options import MET_MARGIN


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
        # h is concave with h(0) = 0: every chord, extended to y = 0, is at or above 0 (rounding
        # could leave a later one a hair below, making the bound at 0 negative)
        out.append((slope, max(hs[i] - slope * ys[i], 0.0)))
    return out


def _lin_range(coef: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[float, float]:
    a, b = coef * lo, coef * hi
    return float(np.minimum(a, b).sum()), float(np.maximum(a, b).sum())


@dataclass
class _Saturating:
    """One saturating driver-year: y = σ·(x0 + coef·v), its good-direction effect u = h(y) with
    h = m·tanh(|E|·y/m) bounded below by chords on the gain side and the tangent on the loss side;
    the KPI moves by |c|·u."""

    absc: float
    sigma: float
    coef: np.ndarray
    xb: float
    m: float
    s_el: float
    yp_max: float
    ym_max: float
    pieces: int
    cols: tuple[int, int, int] | None = None   # (y⁺, y⁻, w) once built

    def chords(self) -> list[tuple[float, float]]:
        return _tanh_chords(self.m, self.s_el, self.yp_max, self.pieces)

    def build(self, lp: _LP, dec: np.ndarray) -> tuple[int, int, int]:
        if self.cols is None:
            yp = lp.var(0.0, self.yp_max)
            ym = lp.var(0.0, self.ym_max)
            w = lp.var(0.0, self.m * math.tanh(self.s_el * self.yp_max / self.m))
            # y⁺ − y⁻ − σ·coef·v = σ·x0
            sx = self.sigma * self.xb
            lp.row([yp, ym] + list(dec), [1.0, -1.0] + list(-self.sigma * self.coef), sx, sx)
            for slope, icpt in self.chords():
                lp.row([w, yp], [1.0, -slope], -np.inf, icpt)
            self.cols = (yp, ym, w)
        return self.cols

    def terms(self, lp: _LP, dec: np.ndarray) -> dict[int, float]:
        _, ym, w = self.build(lp, dec)
        return {w: self.absc, ym: -self.absc * self.s_el}

    def min_part(self) -> float:
        return -self.absc * self.s_el * self.ym_max

    def best_u(self, y: float) -> float:
        """The largest u the chords allow at y: the interpolant (y ≥ 0) or |E|·y (y < 0)."""
        if y < 0:
            return self.s_el * y
        y = min(y, self.yp_max)
        return min(s * y + b for s, b in self.chords())

    def threshold(self, tau: float) -> float | None:
        """The smallest y with best_u(y) ≥ tau (None: no y in range reaches it)."""
        if tau <= 0:
            return tau / self.s_el
        chords = self.chords()
        if self.yp_max <= 0 or min(s * self.yp_max + b for s, b in chords) < tau:
            return None
        # best_u is increasing and concave on [0, yp_max]: invert on the piece that reaches tau
        # best_u(y) ≥ tau ⟺ every chord ≥ tau ⟺ y ≥ each (tau − b)/s (a flat chord: b ≥ tau)
        # A chord already at tau where it starts (b within rounding of tau: the last chords of a
        # saturated curve have slopes of 1e-15) asks for no y: dividing by its slope would put θ
        # far to the right and cut off sets that reach tau.
        tol = 1e-12 * max(1.0, abs(tau))
        ys = [0.0]
        for s, b in chords:
            if b >= tau - tol:
                continue
            if s <= 0:
                return None
            ys.append((tau - b) / s)
        return max(ys)


class KpiRows:
    """The linear KPIs over the decisions, and the rows that score them."""

    def __init__(self, model, lp: _LP, tight: bool) -> None:
        P, opt = model.P, model.options
        self.model, self.lp, self.tight = model, lp, tight
        self.dec = np.arange(model.n_dec)
        r0 = model.r0
        k0 = r0.kpis
        self.k0 = k0
        nk, ny = len(k0.ids), len(r0.plan_years)
        self.nk, self.ny = nk, ny
        x0 = k0.drivers.x
        el, cap, K0u = driver_elasticities(P, model.base_scenario.driver_overrides).el[0], P.drv_cap, P.K0u  # the scenario's overrides too
        self.direction = np.asarray(k0.direction, dtype=float)
        self.weight = np.asarray(k0.weight, dtype=float)
        lo_all, hi_all = model.dec_lo, model.dec_hi
        # dirK_lin[k, t] = const + linear terms over the decisions + saturating driver-years
        self.L_const = self.direction[:, None] * K0u[:, :ny]
        self.L_lin: list[list[dict[int, float]]] = [[{} for _ in range(ny)] for _ in range(nk)]
        self.L_lin_min = np.zeros((nk, ny))
        self.sat: list[list[list[_Saturating]]] = [[[] for _ in range(ny)] for _ in range(nk)]
        self.variable = np.zeros((nk, ny), dtype=bool)
        self.n_moving = np.zeros((nk, ny), dtype=int)
        for d in range(len(P.drv_kpi)):
            k = int(P.drv_kpi[d])
            for t in range(ny):
                c = self.direction[k] * K0u[k, t]
                if c == 0 or el[d] == 0 or (np.isfinite(cap[d]) and cap[d] == 0):
                    continue
                sc = math.copysign(1.0, c)
                coef = model.x[:, d, t]
                xb = x0[d, t]
                if not np.any(coef != 0):
                    e = el[d] * xb
                    if np.isfinite(cap[d]):
                        e = cap[d] * math.tanh(e / cap[d])
                    self.L_const[k, t] += c * e            # = |c|·sign(c)·e
                    continue
                self.variable[k, t] = True
                self.n_moving[k, t] += 1
                if not np.isfinite(cap[d]):           # u = sign(c)·el·x: exactly linear
                    g = abs(c) * sc * el[d]
                    self.L_const[k, t] += g * xb
                    terms = self.L_lin[k][t]
                    for i, v in zip(self.dec, g * coef):
                        if v != 0:
                            terms[int(i)] = terms.get(int(i), 0.0) + float(v)
                    self.L_lin_min[k, t] += _lin_range(g * coef, lo_all, hi_all)[0]
                    continue
                m = float(cap[d])
                sigma = sc * math.copysign(1.0, el[d])
                ylo, yhi = _lin_range(sigma * coef, lo_all, hi_all)
                ylo += sigma * xb
                yhi += sigma * xb
                s = _Saturating(abs(c), sigma, coef, xb, m, abs(el[d]), max(yhi, 0.0), max(-ylo, 0.0), opt.pieces)
                self.sat[k][t].append(s)
                if not tight:    # the original order of variables and rows
                    s.build(lp, self.dec)

    # -- the linear KPI as terms ----------------------------------------------------------------
    def terms(self, k: int, t: int) -> tuple[dict[int, float], float]:
        """(terms, lower bound of the variable part) of dir·K_lin[k, t] − const."""
        out = dict(self.L_lin[k][t])
        low = self.L_lin_min[k, t]
        for s in self.sat[k][t]:
            for c, v in s.terms(self.lp, self.dec).items():
                out[c] = out.get(c, 0.0) + v
            low += s.min_part()
        return out, low

    # -- met binaries (score) ------------------------------------------------------------------
    def score_rows(self) -> tuple[dict[int, float], float, dict]:
        """The met binaries: returns (score terms, score constant, {(k, t): met column})."""
        P, k0, lp = self.model.P, self.k0, self.lp
        target = k0.target
        kmin, kmax = P.kpi_min, P.kpi_max
        K0u = P.K0u
        weight, direction = self.weight, self.direction
        wt = weight[:, None] * k0.has_target
        W_t = wt.sum(axis=0)
        years_scored = [t for t in range(self.ny) if k0.has_target[:, t].any() and W_t[t] != 0]
        nys = len(years_scored)
        score_terms: dict[int, float] = {}
        score_const = 0.0
        met_vars = {}
        for t in years_scored:
            for k in range(self.nk):
                if not k0.has_target[k, t] or weight[k] == 0:
                    continue
                share = weight[k] / W_t[t] / nys
                T = target[k, t]
                const_met = None
                if not self.variable[k, t]:
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
                s = max(abs(T), abs(K0u[k, t]), 1e-12)
                need = direction[k] * T + MET_MARGIN * s
                if const_met is None and self.tight and self.n_moving[k, t] == 1 and self.sat[k][t]:
                    const_met = self._threshold_row(k, t, need, share, met_vars, score_terms)
                    if const_met is None:
                        continue
                if const_met is not None:
                    score_const += share * const_met
                    continue
                terms, low = self.terms(k, t)
                lmin = self.L_const[k, t] + low
                M = max(need - lmin, 0.0) * (1 + 1e-9) + MET_MARGIN * s
                mv = lp.var(0.0, 1.0, integer=True)
                met_vars[(k, t)] = mv
                # Σ terms − M·m ≥ need − L_const − M
                cols = list(terms) + [mv]
                vals = [v / s for v in terms.values()] + [-M / s]
                lp.row(cols, vals, (need - self.L_const[k, t] - M) / s, np.inf)
                score_terms[mv] = score_terms.get(mv, 0.0) + share
        return score_terms, score_const, met_vars

    def _threshold_row(self, k, t, need, share, met_vars, score_terms) -> bool | None:
        """Met ⟺ y ≥ θ for the one saturating driver-year that moves KPI-year (k, t): a row over
        the decisions alone.  Returns True/False when that is decided by the range of y."""
        s = self.sat[k][t][0]
        tau = (need - self.L_const[k, t]) / s.absc
        theta = s.threshold(tau)
        a = s.sigma * s.coef
        ylo, yhi = _lin_range(a, self.model.dec_lo, self.model.dec_hi)
        base = s.sigma * s.xb
        if theta is None or base + yhi < theta:
            return False
        if base + ylo >= theta:
            return True
        # a·v ≥ θ − σ·x0 when met, ≥ its smallest value (the box's) when not:
        # a·v − (b − low)·met ≥ low, b = θ − σ·x0, low = min a·v; scaled by b − low
        b = theta - base
        big = b - ylo
        mv = self.lp.var(0.0, 1.0, integer=True)
        met_vars[(k, t)] = mv
        nz = np.flatnonzero(a)
        coef = a[nz] / big
        # a request that alone covers the whole distance from the lowest value to the threshold
        # counts for that distance only (the same 0/1 solutions, a tighter relaxation)
        binary = np.array([self.lp.integer[i] == 1 for i in nz], dtype=bool)
        coef = np.where(binary & (coef > 1.0), 1.0, coef)
        low = ylo / big
        self.lp.row(list(nz) + [mv], list(coef) + [-1.0], low if abs(low) > 1e-12 else 0.0, np.inf)
        score_terms[mv] = score_terms.get(mv, 0.0) + share
        return None

    # -- KPI gain ------------------------------------------------------------------------------
    def gain_rows(self) -> tuple[dict[int, float], float]:
        """v_kt ≤ (L − dir·K0)/|K0| and ≤ (dir·good bound − dir·K0)/|K0|: (gain terms, constant)."""
        P, k0, lp = self.model.P, self.k0, self.lp
        kmin, kmax = P.kpi_min, P.kpi_max
        K0c = k0.baseline
        sg = _gain_scale(K0c)
        weight, direction = self.weight, self.direction
        Wall = weight.sum()
        gain_terms: dict[int, float] = {}
        gain_const = 0.0
        if not self.nk or Wall == 0:
            return gain_terms, gain_const
        for k in range(self.nk):
            if weight[k] == 0:
                continue
            share = weight[k] / (Wall * self.ny)
            for t in range(self.ny):
                if not self.variable[k, t]:
                    gain_const += share * direction[k] * (k0.scenario[k, t] - K0c[k, t]) / sg[k, t]
                    continue
                v = lp.var(-np.inf, np.inf)
                terms, _ = self.terms(k, t)
                # v − Σ terms/sg ≤ (L_const − dir·K0)/sg
                lp.row([v] + list(terms), [1.0] + [-x / sg[k, t] for x in terms.values()], -np.inf,
                       (self.L_const[k, t] - direction[k] * K0c[k, t]) / sg[k, t])
                good = kmax[k] if direction[k] > 0 else kmin[k]
                if np.isfinite(good):
                    lp.ub[v] = min(lp.ub[v], direction[k] * (good - K0c[k, t]) / sg[k, t])
                gain_terms[v] = gain_terms.get(v, 0.0) + share
        return gain_terms, gain_const
