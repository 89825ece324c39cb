"""Ordinary least squares for many small fits at once (SPEC, "Evidence for the drivers": Estimate).

`fit_batch(X, y, used)` fits y = a + Σ b_d x_d + ε for a stack of problems that share the number of
drivers m, each over its own years (`used`, a mask over a common year axis).  It centres each
problem on its own means and solves the m×m normal equations of the centred data: the slopes,
their classical standard errors (σ² = RSS ÷ (n − m − 1)), the 80% interval b ± t(0.90, n − m − 1)·se,
two-sided t-test p-values and R² are those of statsmodels' OLS with a constant
(tests/test_evidence_reference.py holds them to 1e-9), at a fraction of its per-fit cost.
Problems with n < m + 3 years, or whose spending changes move together (a singular design), get NaN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

LEVEL = 0.80
#: A design whose centred cross-product matrix is this ill-conditioned cannot separate its drivers.
MAX_CONDITION = 1e12


@dataclass
class Fits:
    """One row per problem: n (years used), ok (estimated), singular (drivers not separable) and the
    figures, NaN where not estimated; per-driver arrays are (B, m)."""

    n: np.ndarray
    ok: np.ndarray
    singular: np.ndarray
    estimate: np.ndarray
    se: np.ndarray
    low: np.ndarray
    high: np.ndarray
    p: np.ndarray
    r2: np.ndarray
    intercept: np.ndarray


def needs(m: int) -> int:
    """The fewest years a KPI with m drivers can be estimated from: m + 3."""
    return m + 3


def fit_batch(X: np.ndarray, y: np.ndarray, used: np.ndarray) -> Fits:
    """X (B, T, m), y (B, T), used (B, T) bool: the years each problem uses (X and y finite there)."""
    B, T, m = X.shape
    n = used.sum(axis=1)
    w = used.astype(np.float64)
    Xz = np.where(used[..., None], X, 0.0)
    yz = np.where(used, y, 0.0)
    nn = np.maximum(n, 1)[:, None]
    xbar = Xz.sum(axis=1) / nn                                   # (B, m)
    ybar = yz.sum(axis=1) / nn[:, 0]                             # (B,)
    Xc = (Xz - xbar[:, None, :]) * w[..., None]
    yc = (yz - ybar[:, None]) * w
    S = np.einsum("btm,btk->bmk", Xc, Xc)
    Sxy = np.einsum("btm,bt->bm", Xc, yc)
    enough = n >= needs(m)
    with np.errstate(all="ignore"):
        cond = np.linalg.cond(S) if B else np.zeros(0)
    singular = enough & ~(np.isfinite(cond) & (cond < MAX_CONDITION))
    ok = enough & ~singular
    nan_bm = np.full((B, m), np.nan)
    out = Fits(n=n, ok=ok, singular=singular, estimate=nan_bm.copy(), se=nan_bm.copy(), low=nan_bm.copy(),
               high=nan_bm.copy(), p=nan_bm.copy(), r2=np.full(B, np.nan), intercept=np.full(B, np.nan))
    if not ok.any():
        return out
    idx = np.flatnonzero(ok)
    Sinv = np.linalg.inv(S[idx])
    b = np.einsum("bmk,bk->bm", Sinv, Sxy[idx])
    resid = yc[idx] - np.einsum("btm,bm->bt", Xc[idx], b)
    rss = (resid ** 2).sum(axis=1)
    tss = (yc[idx] ** 2).sum(axis=1)
    df = (n[idx] - m - 1).astype(np.float64)
    sigma2 = rss / df
    se = np.sqrt(sigma2[:, None] * np.diagonal(Sinv, axis1=1, axis2=2))
    tcrit = stats.t.ppf(0.5 + LEVEL / 2, df)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        tval = b / se
        r2 = np.where(tss > 0, 1.0 - rss / tss, np.nan)
    out.estimate[idx], out.se[idx] = b, se
    out.low[idx], out.high[idx] = b - tcrit * se, b + tcrit * se
    out.p[idx] = 2.0 * stats.t.sf(np.abs(tval), df[:, None])
    out.r2[idx] = r2
    out.intercept[idx] = ybar[idx] - (xbar[idx] * b).sum(axis=1)
    return out
