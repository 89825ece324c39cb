"""The solver's starting set: the greedy rank-order fill, done on the linear model.

The fiscal rows are exactly linear in the decisions, so funding requests in Rank order while every
row keeps its room (greedy.py does the same with the exact engine, one run per request) costs a
few vector additions here.  HiGHS starts from it: from the first second there is a set to stop
with, never worse than funding in rank order.

The set must also honour the dominance rows (dominance.py), or HiGHS finds the start infeasible
and drops it: a request never needed is left out, and where the fill funds j but not a request i
that dominates it, i is funded instead (i leaves at least as much room in every row, so the swap
keeps the set feasible; "dominates, ties by order" is a strict partial order, so the swaps end),
then the fill goes on with the room that is left.
"""

from __future__ import annotations

import numpy as np

from .greedy import rank_order
from .options import FISCAL_MARGIN, _key


def rank_order_start(model, useless=(), pairs=()) -> dict[int, float]:
    """{decision column: value}: the locks, departments unchanged (or at the bound nearest 0),
    and the unlocked requests in Rank order that keep every fiscal row feasible, honouring the
    dominance results (`useless` never funded; (i, j) in `pairs`: j only with i)."""
    coef, need = fiscal_rows(model)
    v = locked_point(model)
    room = coef @ v - need
    col = {_key(r): i for i, r in enumerate(model.req_ids)}
    never = set(int(j) for j in useless)
    order = [col[_key(rid)] for rid in rank_order(model.P) if _key(rid) in col]
    order = [i for i in order if model.lock[i] == -1 and i not in never]
    for _ in range(len(order) + 1):
        for i in order:
            if v[i] == 0.0:
                after = room + coef[:, i]
                if np.all(after >= 0):
                    v[i] = 1.0
                    room = after
        room, swapped = _honour(v, pairs, coef, room)
        if not swapped:
            break
    return {i: float(v[i]) for i in range(model.n_dec)}


def fiscal_rows(model) -> tuple[np.ndarray, np.ndarray]:
    """(coef, need): the fiscal rows as the MILP has them, coef·v ≥ need (scaled, with margins)."""
    rows = model.constraints.rows
    coef = np.array([model.fiscal_coef(i) / r.scale for i, r in enumerate(rows)]).reshape(len(rows), model.n_dec)
    need = np.array([(r.rhs - r.const) / r.scale
                     + (0.0 if r.relaxed else (FISCAL_MARGIN if r.const < 0 else min(FISCAL_MARGIN, r.const / r.scale)))
                     for r in rows])
    return coef, need


def locked_point(model) -> np.ndarray:
    """The must-fund requests funded, nothing else; departments unchanged (or at the bound nearest 0)."""
    nr = len(model.req_ids)
    v = np.zeros(model.n_dec)
    v[:nr][model.lock == 1] = 1.0
    for i in range(nr, model.n_dec):
        v[i] = min(max(0.0, model.dec_lo[i]), model.dec_hi[i])
    return v


def honour(v: np.ndarray, pairs, coef: np.ndarray) -> np.ndarray:
    """A copy of `v` with j swapped for i wherever j is funded without a request i that dominates it."""
    w = v.copy()
    _honour(w, pairs, coef, np.zeros(coef.shape[0]))
    return w


def _honour(v: np.ndarray, pairs, coef: np.ndarray, room: np.ndarray) -> tuple[np.ndarray, bool]:
    """Swap j for i (in `v`) wherever j is funded without a request i that dominates it: (the room
    left, whether any swap was made; then the caller fills again)."""
    changed, swapped = True, False
    while changed:
        changed = False
        for i, j in pairs:
            if v[j] == 1.0 and v[i] == 0.0:
                v[i], v[j] = 1.0, 0.0
                room = room + coef[:, i] - coef[:, j]
                changed = swapped = True
    return room, swapped
