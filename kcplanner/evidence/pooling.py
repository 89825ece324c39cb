"""Pooling the estimates of a goal (SPEC, "Evidence for the drivers": Pooling, `--pool goal`).

Within a goal with at least 3 estimated drivers, on the direction-adjusted values c_i = s_i·b_i:
w_i = 1 ÷ se_i²; c̄ = Σ w c ÷ Σ w; Q = Σ w (c − c̄)²; DerSimonian–Laird
τ² = max(0, (Q − (N − 1)) ÷ (Σw − Σw² ÷ Σw)); μ = Σ w* c ÷ Σ w* with w* = 1 ÷ (se² + τ²).
τ² > 0: c*_i = (c_i ÷ se_i² + μ ÷ τ²) ÷ (1 ÷ se_i² + 1 ÷ τ²), se*_i = (1 ÷ se_i² + 1 ÷ τ²)^(−1/2);
τ² = 0: c*_i = μ, se*_i = (Σ w)^(−1/2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_DRIVERS = 3


@dataclass
class Pooled:
    pooled: np.ndarray      # c*_i (direction-adjusted; multiply by s_i for b*_i)
    pooled_se: np.ndarray   # se*_i
    tau2: float
    mu: float
    q: float


def dersimonian_laird(c: np.ndarray, se: np.ndarray) -> Pooled:
    """SPEC's formulas on one goal's estimates (c direction-adjusted, se their standard errors)."""
    c, se = np.asarray(c, dtype=np.float64), np.asarray(se, dtype=np.float64)
    v = se ** 2
    w = 1.0 / v
    sw = w.sum()
    cbar = (w * c).sum() / sw
    q = float((w * (c - cbar) ** 2).sum())
    tau2 = max(0.0, (q - (len(c) - 1)) / (sw - (w ** 2).sum() / sw))
    ws = 1.0 / (v + tau2)
    mu = float((ws * c).sum() / ws.sum())
    if tau2 > 0:
        prec = 1.0 / v + 1.0 / tau2
        pooled = (c / v + mu / tau2) / prec
        pooled_se = prec ** -0.5
    else:
        pooled = np.full(len(c), mu)
        pooled_se = np.full(len(c), sw ** -0.5)
    return Pooled(pooled, pooled_se, float(tau2), mu, q)


def pool_by_goal(goal: np.ndarray, direction: np.ndarray, estimate: np.ndarray, se: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, dict]:
    """b*_i and se*_i for every driver (NaN where not pooled), and per goal its Pooled figures.

    Only estimated drivers (finite estimate and se > 0) take part; a goal with fewer than 3 of them
    is not pooled."""
    pooled = np.full(len(estimate), np.nan)
    pooled_se = np.full(len(estimate), np.nan)
    per_goal = {}
    usable = np.isfinite(estimate) & np.isfinite(se) & (se > 0)
    for g in dict.fromkeys(goal[usable].tolist()):
        idx = np.flatnonzero(usable & (goal == g))
        if len(idx) < MIN_DRIVERS:
            continue
        s = direction[idx]
        res = dersimonian_laird(s * estimate[idx], se[idx])
        pooled[idx] = s * res.pooled
        pooled_se[idx] = res.pooled_se
        per_goal[g] = res
    return pooled, pooled_se, per_goal
