"""The solver's starting set: the greedy rank-order fill, done on the linear model.

The fiscal rows are exactly linear in the decisions, so funding requests in Rank order while every
row keeps its room (greedy.py does the same with the exact engine, one run per request) costs a
few vector additions here.  HiGHS starts from it: from the first second there is a set to stop
with, never worse than funding in rank order.
"""

from __future__ import annotations

import numpy as np

from .greedy import rank_order
from .options import FISCAL_MARGIN, _key


def rank_order_start(model) -> dict[int, float]:
    """{decision column: value}: the locks, departments unchanged (or at the bound nearest 0),
    and the unlocked requests in Rank order that keep every fiscal row feasible."""
    nr = len(model.req_ids)
    rows = model.constraints.rows
    coef = np.array([model.fiscal_coef(i) / r.scale for i, r in enumerate(rows)]).reshape(len(rows), model.n_dec)
    need = np.array([(r.rhs - r.const) / r.scale
                     + (0.0 if r.relaxed else (FISCAL_MARGIN if r.const < 0 else min(FISCAL_MARGIN, r.const / r.scale)))
                     for r in rows])
    v = np.zeros(model.n_dec)
    for i in range(nr):
        if model.lock[i] == 1:
            v[i] = 1.0
    for i in range(nr, model.n_dec):
        v[i] = min(max(0.0, model.dec_lo[i]), model.dec_hi[i])
    room = coef @ v - need
    col = {_key(r): i for i, r in enumerate(model.req_ids)}
    for rid in rank_order(model.P):
        i = col.get(_key(rid))
        if i is None or model.lock[i] != -1:
            continue
        after = room + coef[:, i]
        if np.all(after >= 0):
            v[i] = 1.0
            room = after
    return {i: float(v[i]) for i in range(model.n_dec)}
