"""Requests that are never needed, and requests that are never better than another one.

Request i *dominates* request j when funding i instead of j leaves every fiscal row with at least
as much room, moves every KPI driver at least as far in the good direction, and is no larger in
dollars (the tie-break's size).  Then some best set never funds j without i: swapping j for i
keeps the set feasible, keeps every KPI at least as good (the linear KPI only grows with each
driver's change in the good direction, met rows and gain rows alike) and the tie-break no worse.
So the row z_j ≤ z_i is valid, and identical requests get z_i ≥ z_j by ID order (symmetry).  A
request that does no good anywhere and costs room in some row (a request on a program no KPI
watches) is never needed: z_j = 0.  Only unlocked requests take part.  Swaps can be chained
because "i dominates j, ties broken by order" is a strict partial order, so repeated swaps end.
"""

from __future__ import annotations

import numpy as np

from ..engine.driver_values import driver_elasticities


def decision_profile(model) -> np.ndarray:
    """(requests, criteria): every criterion is "more is better" — each fiscal row's room,
    each driver-year's change in the good direction, minus the five-year dollar size."""
    P = model.P
    nr = len(model.req_ids)
    cols = [model.fiscal_coef(i)[:nr] / model.constraints.rows[i].scale for i in range(len(model.constraints.rows))]
    k0 = model.r0.kpis
    direction = np.asarray(k0.direction, dtype=float)
    el, cap = driver_elasticities(P, model.base_scenario.driver_overrides).el[0], P.drv_cap  # the scenario's overrides too
    ny = len(model.r0.plan_years)
    for d in range(len(P.drv_kpi)):
        k = int(P.drv_kpi[d])
        if el[d] == 0 or (np.isfinite(cap[d]) and cap[d] == 0):
            continue
        for t in range(ny):
            c = direction[k] * P.K0u[k, t]
            if c == 0:
                continue
            cols.append(np.sign(c) * np.sign(el[d]) * model.x[:nr, d, t])
    cols.append(-model.dec_size[:nr])
    return np.column_stack(cols) if cols else np.zeros((nr, 0))


def dominance(model, chunk: int = 64) -> tuple[list[int], list[tuple[int, int]]]:
    """(requests never needed, pairs (i, j) meaning z_j ≤ z_i), among unlocked requests.

    Only pairs that no third request sits between are returned (the others follow)."""
    nr = len(model.req_ids)
    free = np.flatnonzero(model.lock[:nr] == -1)
    if len(free) == 0:
        return [], []
    V = decision_profile(model)[free]
    useless = [int(free[j]) for j in range(len(free)) if np.all(V[j] <= 0) and np.any(V[j] < 0)]
    gone = set(useless)
    keep = np.array([int(f) not in gone for f in free])
    free, V = free[keep], V[keep]
    # compare only requests that touch the same criteria (the same fund and drivers)
    support = (V != 0)
    groups: dict[bytes, list[int]] = {}
    for j in range(len(free)):
        groups.setdefault(np.packbits(support[j]).tobytes(), []).append(j)
    pairs: list[tuple[int, int]] = []
    for members in groups.values():
        if len(members) < 2:
            continue
        idx = np.array(members)
        W = V[idx]
        n = len(idx)
        dom = np.zeros((n, n), dtype=bool)     # dom[a, b]: a dominates b
        for s in range(0, n, chunk):
            ge = np.all(W[s:s + chunk, None, :] >= W[None, :, :], axis=2)
            eq = np.all(W[s:s + chunk, None, :] == W[None, :, :], axis=2)
            rows = np.arange(s, min(s + chunk, n))
            later = rows[:, None] < np.arange(n)[None, :]
            dom[s:s + chunk] = ge & (~eq | later)
        np.fill_diagonal(dom, False)
        # transitive reduction: drop a ≻ b when some c has a ≻ c ≻ b
        through = (dom.astype(np.int32) @ dom.astype(np.int32)) > 0
        direct = dom & ~through
        for a, b in zip(*np.nonzero(direct)):
            pairs.append((int(free[idx[a]]), int(free[idx[b]])))
    return useless, pairs


def add_dominance_rows(model, lp) -> tuple[list[int], list[tuple[int, int]]]:
    """Fix the requests never needed at 0 and add z_i − z_j ≥ 0 for each dominance pair;
    returns (never needed, pairs), which a starting set must honour too."""
    useless, pairs = dominance(model)
    for j in useless:
        lp.ub[j] = min(lp.ub[j], 0.0)
    for i, j in pairs:
        lp.row([i, j], [1.0, -1.0], 0.0, np.inf)
    return useless, pairs
