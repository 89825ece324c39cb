"""The two objectives on exact engine results: the mean plan score and the weighted KPI gain."""

from __future__ import annotations

import math

import numpy as np

from ..engine import Results

def mean_score(results: Results) -> float:
    """The plan score averaged over the plan years that have a score (NaN if none)."""
    s = np.asarray(results.kpis.score, dtype=float)
    return float(np.nanmean(s)) if np.isfinite(s).any() else math.nan


def _gain_scale(K0: np.ndarray) -> np.ndarray:
    a = np.abs(K0)
    return np.where(np.isfinite(a) & (a > 0), a, 1.0)


def kpi_gain(results: Results) -> float:
    """Σ_k Σ_t w_k·dir_k·(K − K0)/|K0| / (5·Σ_k w_k): the weighted mean relative improvement of
    every KPI over its plan baseline (clamped paths; |K0| taken as 1 where K0 is 0)."""
    k = results.kpis
    w = np.asarray(k.weight, dtype=float)
    W = w.sum()
    if not len(w) or W == 0:
        return 0.0
    rel = k.direction[:, None] * (k.scenario - k.baseline) / _gain_scale(k.baseline)
    return float((w[:, None] * rel).sum() / (W * rel.shape[1]))


def objective_value(results: Results, objective: str) -> float:
    return mean_score(results) if objective == "score" else kpi_gain(results)
