"""A small sparse MILP builder, and the call to scipy's milp that the plain formulation uses
(the tight one goes through highs.py)."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

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

