"""Groups of line items and the sparse matrices that roll group totals up to every report row.

Line items sharing (department, program, fund, account class, Recurring) form a group; every rule
acts on whole groups, so `evaluate` works on group totals.  Totals roll up in two stages (a
bincount into (pair, year) and (fund, class, recurring) cells, then one small sparse matrix) to
the rows [pairs | departments | funds | classes | funds (recurring only)].
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .codes import NYEARS


def groups_and_rollups(ld: np.ndarray, lp: np.ndarray, lf: np.ndarray, lc: np.ndarray, lrec: np.ndarray,
                       qd: np.ndarray, qp: np.ndarray, qf: np.ndarray, qc: np.ndarray, qrec: np.ndarray,
                       dd: np.ndarray, dp: np.ndarray, E0: np.ndarray,
                       nf: int, ndp: int, npg: int, ncl: int) -> tuple[dict, np.ndarray]:
    """The group and roll-up fields of `Prepared` from the codes of line items (l*), requests (q*)
    and drivers (d*), and each driver's department/program pair (-1 = whole department)."""
    n, nq, nd = len(ld), len(qd), len(dd)
    # -- department/program pairs ------------------------------------------------------------------
    pair_keys = np.concatenate([ld * npg + lp, qd * npg + qp, (dd * npg + dp)[dp >= 0]]).astype(np.int64)
    pair_uni, pair_inv = np.unique(pair_keys, return_inverse=True)
    npair = len(pair_uni)
    pair_dept, pair_prog = pair_uni // npg, pair_uni % npg
    l_pair = pair_inv[:n]
    q_pair = pair_inv[n:n + nq]
    d_pair = np.full(nd, -1, dtype=np.int64)
    d_pair[dp >= 0] = pair_inv[n + nq:]

    # -- groups ------------------------------------------------------------------------------------
    gkey = ((l_pair * nf + lf) * ncl + lc) * 2 + lrec.astype(np.int64)
    g_uni, line_group = np.unique(gkey, return_inverse=True)
    line_group = line_group.astype(np.int64)
    ng = len(g_uni)
    g_rec = (g_uni % 2).astype(bool)
    rest = g_uni // 2
    g_class = rest % ncl
    rest //= ncl
    g_fund = rest % nf
    g_pair = rest // nf
    g_S0 = np.empty((ng, NYEARS))
    for t in range(NYEARS):
        g_S0[:, t] = np.bincount(line_group, weights=E0[:, t], minlength=ng)
    counts = np.bincount(line_group, minlength=ng).astype(float)
    g_n = np.repeat(counts[:, None], NYEARS, axis=1)
    g_n[~g_rec, 1:] = 0.0

    # -- roll-up matrices ------------------------------------------------------------------------
    g_dept = pair_dept[g_pair]
    g_prog = pair_prog[g_pair]
    rows = {}
    start = 0
    for name, size in (("pairs", npair), ("departments", ndp), ("funds", nf), ("classes", ncl), ("funds_recurring", nf)):
        rows[name] = slice(start, start + size)
        start += size
    # stage 1 (per evaluate): one bincount of group totals into (pair, year) cells and one into
    # (fund, class, recurring) cells; stage 2: a small sparse matrix from those cells to every roll-up
    ckey = (g_fund * ncl + g_class) * 2 + g_rec.astype(np.int64)
    c_uni, g_combo = np.unique(ckey, return_inverse=True)
    ncombo = len(c_uni)
    c_rec = (c_uni % 2).astype(bool)
    c_class = (c_uni // 2) % ncl
    c_fund = (c_uni // 2) // ncl
    tt5 = np.arange(NYEARS)
    cell_pair = (g_pair[:, None] * NYEARS + tt5[None, :]).ravel()
    cell_combo = (g_combo.astype(np.int64)[:, None] * NYEARS + tt5[None, :]).ravel()
    eye_pairs = sp.identity(npair, format="csr")
    zeros = lambda r, c: sp.csr_matrix((r, c))  # noqa: E731
    R_cells = sp.vstack([
        sp.hstack([eye_pairs, zeros(npair, ncombo)]),
        sp.hstack([_indicator(pair_dept, ndp), zeros(ndp, ncombo)]),
        sp.hstack([zeros(nf, npair), _indicator(c_fund, nf)]),
        sp.hstack([zeros(ncl, npair), _indicator(c_class, ncl)]),
        sp.hstack([zeros(nf, npair), _indicator(c_fund, nf, c_rec)]),
    ]).tocsr()
    R_req = sp.vstack([_indicator(q_pair, npair), _indicator(qd, ndp), _indicator(qf, nf),
                       _indicator(qc, ncl), _indicator(qf, nf, qrec)]).tocsr()
    baseline_totals = _rollup(g_S0, cell_pair, cell_combo, npair, ncombo, R_cells)

    shown_departments = np.unique(np.concatenate([ld, qd])).astype(np.int64)
    shown_pairs = np.unique(np.concatenate([l_pair, q_pair])).astype(np.int64)
    shown_classes = np.unique(np.concatenate([lc, qc])).astype(np.int64)
    return dict(line_group=line_group, g_pair=g_pair, g_fund=g_fund, g_class=g_class, g_dept=g_dept, g_prog=g_prog,
                g_rec=g_rec, g_S0=g_S0, g_n=g_n, pair_dept=pair_dept, pair_prog=pair_prog, cell_pair=cell_pair,
                cell_combo=cell_combo, n_combos=ncombo, R_cells=R_cells, R_req=R_req, rows=rows,
                baseline_totals=baseline_totals, shown_departments=shown_departments, shown_pairs=shown_pairs,
                shown_classes=shown_classes, req_pair=q_pair), d_pair


def _indicator(rows: np.ndarray, n_rows: int, mask: np.ndarray | None = None) -> sp.csr_matrix:
    n_cols = len(rows)
    cols = np.arange(n_cols)
    keep = rows >= 0 if mask is None else (rows >= 0) & mask
    return sp.csr_matrix((np.ones(int(keep.sum())), (rows[keep], cols[keep])), shape=(n_rows, n_cols))


def _rollup(G: np.ndarray, cell_pair: np.ndarray, cell_combo: np.ndarray, npair: int, ncombo: int,
            R_cells: sp.csr_matrix) -> np.ndarray:
    """Group totals (groups × 5) → roll-up rows [pairs | departments | funds | classes | funds recurring] × 5."""
    flat = np.ascontiguousarray(G).ravel()
    cells = np.concatenate([np.bincount(cell_pair, weights=flat, minlength=npair * NYEARS),
                            np.bincount(cell_combo, weights=flat, minlength=ncombo * NYEARS)])
    return np.asarray(R_cells @ cells.reshape(npair + ncombo, NYEARS))
