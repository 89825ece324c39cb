"""A score-aware starting set: fund, bundle by bundle, the requests that meet a target cheapest.

The rank-order fill (start.py) ignores the score; on 1,000 requests its set is a third below the
best, and HiGHS then spends most of its time finding good sets (given the best set at the start,
it proves it in a third of the time).  This fill works on the same linear model as the MILP:

- the linear KPI of every scored KPI-year is evaluated for many candidate sets at once (the linear
  drivers, and each saturating driver's chord bound, exactly as the met rows count them);
- a *bundle* for a KPI-year not yet met: the requests that move it, best move per dollar first,
  up to the first prefix that meets the target and fits every fiscal row;
- the bundle that adds the most score per dollar is funded; repeat until no bundle adds score;
  then each funded request that adds nothing is dropped and the fill runs again (twice).

Only the decisions are handed over: HiGHS completes them (highs.py `_complete`), so the met values
of the start are the model's own, whatever this evaluation rounds.
"""

from __future__ import annotations

import numpy as np

from .options import MET_MARGIN
from .start import fiscal_rows, honour, locked_point, rank_order_start


class ScoreEval:
    """The mean plan score of the linear model for many decision vectors at once."""

    def __init__(self, model, kpis, met_vars: dict, score_terms: dict) -> None:
        P, k0 = model.P, kpis.k0
        n = model.n_dec
        keys = [kt for kt, col in met_vars.items() if score_terms.get(col, 0.0)]
        self.share = np.array([score_terms[met_vars[kt]] for kt in keys])
        m = len(keys)
        self.Lc, self.need = np.zeros(m), np.zeros(m)
        self.Lin = np.zeros((m, n))
        sat_rows, sats = [], []
        for r, (k, t) in enumerate(keys):
            T = k0.target[k, t]
            s = max(abs(T), abs(P.K0u[k, t]), 1e-12)
            self.need[r] = kpis.direction[k] * T + MET_MARGIN * s
            self.Lc[r] = kpis.L_const[k, t]
            for col, v in kpis.L_lin[k][t].items():
                self.Lin[r, col] += v
            for sat in kpis.sat[k][t]:
                sat_rows.append(r)
                sats.append(sat)
        ns = len(sats)
        chords = [sat.chords() for sat in sats]
        width = max((len(c) for c in chords), default=1)
        self.slope, self.icpt = np.zeros((ns, width)), np.full((ns, width), np.inf)
        for i, ch in enumerate(chords):
            for j, (a, b) in enumerate(ch):
                self.slope[i, j], self.icpt[i, j] = a, b
        self.S = np.array([sat.sigma * sat.coef for sat in sats]).reshape(ns, n)
        self.y0 = np.array([sat.sigma * sat.xb for sat in sats])
        self.absc = np.array([sat.absc for sat in sats])
        self.s_el = np.array([sat.s_el for sat in sats])
        self.ypmax = np.array([sat.yp_max for sat in sats])
        self.R = np.zeros((m, ns))
        self.R[sat_rows, np.arange(ns)] = 1.0

    def kpi(self, V: np.ndarray) -> np.ndarray:
        """dir·K_lin of every scored KPI-year (rows) for each decision vector (columns of V)."""
        return self.kpi_from(self.Lin @ V, self.S @ V)

    def kpi_from(self, lin: np.ndarray, sv: np.ndarray) -> np.ndarray:
        """The same from Lin·V and S·V."""
        u = self.u(slice(None), self.y0[:, None] + sv)
        return self.Lc[:, None] + lin + self.R @ (self.absc[:, None] * u)

    def u(self, idx, y: np.ndarray) -> np.ndarray:
        """The good-direction effect the chords allow (the tangent below 0) of saturating
        driver-years `idx` at changes y (rows: those driver-years)."""
        yc = np.minimum(np.maximum(y, 0.0), self.ypmax[idx][:, None])
        gain = np.min(self.slope[idx][:, :, None] * yc[:, None, :] + self.icpt[idx][:, :, None], axis=1)
        return np.where(y < 0, self.s_el[idx][:, None] * y, gain)

    def moves(self, rows: np.ndarray, lin: np.ndarray, sv: np.ndarray, cand: np.ndarray) -> np.ndarray:
        """dir·K_lin of KPI-years `rows` with each candidate request added alone to a set with
        Lin·v = lin and S·v = sv (only the saturating driver-years of those rows are evaluated)."""
        R = self.R[rows]
        idx = np.flatnonzero(R.any(axis=0))
        out = (self.Lc[rows] + lin[rows])[:, None] + self.Lin[np.ix_(rows, cand)]
        if len(idx):
            y = (self.y0[idx] + sv[idx])[:, None] + self.S[np.ix_(idx, cand)]
            out = out + R[:, idx] @ (self.absc[idx, None] * self.u(idx, y))
        return out

    def along(self, r: int, lin: float, sv: np.ndarray, pick: np.ndarray) -> np.ndarray:
        """dir·K_lin of KPI-year r as the requests `pick` are added one by one to a set with
        Lin·v = lin (row r) and S·v = sv."""
        out = self.Lc[r] + lin + np.cumsum(self.Lin[r, pick])
        idx = np.flatnonzero(self.R[r])
        if len(idx):
            y = self.y0[idx, None] + sv[idx, None] + np.cumsum(self.S[np.ix_(idx, pick)], axis=1)
            out = out + (self.absc[idx, None] * self.u(idx, y)).sum(axis=0)
        return out

    def score(self, V: np.ndarray) -> np.ndarray:
        return self.share @ (self.kpi(V) >= self.need[:, None])


def score_fill(model, ev: ScoreEval, coef: np.ndarray, need: np.ndarray, v0: np.ndarray, free: np.ndarray,
               rounds: int = 2, price: np.ndarray | None = None) -> np.ndarray:
    """Decisions (a copy of `v0` with some of the `free` requests funded): bundles that meet a
    KPI-year target, most score per dollar first, within the fiscal rows coef·v ≥ need.
    `price` (per decision) replaces the five-year dollars as the cost."""
    v = v0.copy()
    size = model.dec_size if price is None else price
    dollars = np.maximum(size[free], 1e-9 * max(float(size.max(initial=0.0)), 1.0))
    for _ in range(rounds + 1):
        v = _fill(ev, coef, need, v, free, dollars)
        # drop what adds nothing, then fill again with the room that frees
        base = float(ev.score(v[:, None])[0])
        on = free[v[free] == 1.0]
        if not len(on):
            break
        V = np.repeat(v[:, None], len(on), axis=1)
        V[on, np.arange(len(on))] = 0.0
        idle = on[ev.score(V) >= base - 1e-12]
        if not len(idle):
            break
        for j in idle:          # one at a time: two idle requests may be idle only together
            v[j] = 0.0
            if float(ev.score(v[:, None])[0]) < base - 1e-12 or np.any(coef @ v - need < 0):
                v[j] = 1.0
    return v


def _fill(ev: ScoreEval, coef, need, v, free, dollars) -> np.ndarray:
    room = coef @ v - need
    while True:
        L = ev.kpi(v[:, None])[:, 0]
        base = float(ev.share @ (L >= ev.need))
        open_ = v[free] == 0.0
        cand, cost = free[open_], dollars[open_]
        if not len(cand):
            return v
        lin, sv = ev.Lin @ v, ev.S @ v
        # each candidate's move of every KPI-year not yet met (alone), and the score each
        # room-maker (a request that frees room in some fund row) costs
        unmet = np.flatnonzero(L < ev.need)
        moved = ev.moves(unmet, lin, sv, cand) - L[unmet, None]
        maker = np.flatnonzero(np.any(coef[:, cand] > 0, axis=0))
        mk = cand[maker]
        harm = ev.share @ (ev.kpi_from(lin[:, None] + ev.Lin[:, mk], sv[:, None] + ev.S[:, mk]) >= ev.need[:, None]) - base
        bundles, costs = [], []
        for row, r in enumerate(unmet):
            gain = moved[row]
            useful = np.flatnonzero(gain > 0)
            if not len(useful):
                continue
            order = useful[np.argsort(-gain[useful] / cost[useful], kind="stable")]
            Lr = ev.along(r, lin[r], sv, cand[order])      # the KPI-year along the prefixes, exactly
            reach = np.flatnonzero(Lr >= ev.need[r])
            if not len(reach):
                continue
            chosen = order[:reach[0] + 1]
            bundle = _with_room(cand, chosen, maker, harm, coef, room)
            if bundle is not None:
                bundles.append(bundle)
                costs.append(float(cost[chosen].sum()))
        if not bundles:
            return v
        W = np.repeat(v[:, None], len(bundles), axis=1)     # every bundle scored at once
        for b, bundle in enumerate(bundles):
            W[bundle, b] = 1.0
        add = ev.score(W) - base
        ratio = np.where(add > 1e-12, add / np.array(costs), -np.inf)
        b = int(np.argmax(ratio))
        if not np.isfinite(ratio[b]):
            return v
        best_bundle = bundles[b]
        v[best_bundle] = 1.0
        room = room + coef[:, best_bundle].sum(axis=1)


def _with_room(cand, chosen, maker, harm, coef, room):
    """The requests `cand[chosen]`, plus room-makers (savings) where a fiscal row would go short:
    those that cost no score first, then the most room in the short rows; None if none suffice."""
    bundle = cand[chosen]
    after = room + coef[:, bundle].sum(axis=1)
    short = after < 0
    if not short.any():
        return bundle
    spare = np.setdiff1d(maker, chosen, assume_unique=False)
    if not len(spare):
        return None
    pos = np.searchsorted(maker, spare)
    gives = np.minimum(coef[np.ix_(short, cand[spare])], -after[short, None]).clip(min=0).sum(axis=0)
    keep = gives > 0
    spare, pos, gives = spare[keep], pos[keep], gives[keep]
    order = np.lexsort((-gives, -harm[pos]))
    more = cand[spare[order]]
    total = after[:, None] + np.cumsum(coef[:, more], axis=1)
    ok = np.flatnonzero(np.all(total >= 0, axis=0))
    if not len(ok):
        return None
    return np.concatenate([bundle, more[:ok[0] + 1]])


def best_start(model, info: dict, useless=(), pairs=()) -> dict[int, float]:
    """The better (by the linear score) of the rank-order fill and the score-aware fill, as
    {decision column: value}; both keep every fiscal row and honour the dominance rows."""
    ranked = rank_order_start(model, useless, pairs)
    if model.options.objective != "score" or not info.get("met_vars") or "kpis" not in info:
        return ranked
    coef, need = fiscal_rows(model)
    ev = ScoreEval(model, info["kpis"], info["met_vars"], info["score_terms"])
    nr = len(model.req_ids)
    never = set(int(j) for j in useless)
    free = np.array([i for i in range(nr) if model.lock[i] == -1 and i not in never], dtype=int)
    v = honour(score_fill(model, ev, coef, need, locked_point(model), free), pairs, coef)
    r = np.array([ranked[i] for i in range(model.n_dec)])
    if not np.all(coef @ v - need >= 0) or ev.score(v[:, None])[0] < ev.score(r[:, None])[0]:
        return ranked
    return {i: float(v[i]) for i in range(model.n_dec)}
