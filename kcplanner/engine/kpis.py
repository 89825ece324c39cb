"""KPIs and their drivers: baseline paths, targets, weights, and how spending moves each KPI.

A KPI's baseline path is baseline·(1 + trend)^(year − baseline FY), clamped to its minimum and
maximum; its weight is its own weight times its goal's.  A driver links a KPI to a department or
program's spending (elasticity, low/high range, lag in years, cap on the effect); `A_kpi` sums the
drivers of each KPI.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .codes import NYEARS, _is_missing, name_key
from .columns import _float, _year_columns


def kpi_fields(kp: pd.DataFrame, goals: pd.DataFrame, kt: pd.DataFrame, kpi_ids: list[str],
               years: list[int], y0: int) -> dict:
    """The KPI fields of `Prepared` from the KPIs, Goals and KPI targets tables."""
    nk = len(kpi_ids)
    goal_weight: dict[str, float] = {}
    if len(goals) and "goal_id" in goals.columns:
        gw = _float(goals, "weight", len(goals), default=1.0)
        for gid, w in zip(goals["goal_id"], gw):
            goal_weight[name_key(gid)] = float(w)
    kw = _float(kp, "weight", nk, default=1.0)
    gids = kp["goal_id"] if "goal_id" in kp.columns else [None] * nk
    kpi_weight = np.array([kw[j] * goal_weight.get(name_key(g), 1.0) if not _is_missing(g) else kw[j]
                           for j, g in enumerate(gids)], dtype=float)
    direction = np.ones(nk)
    if "direction" in kp.columns:
        for j, v in enumerate(kp["direction"]):
            if isinstance(v, str):
                direction[j] = -1.0 if name_key(v).startswith(("lower", "down", "decrease")) else 1.0
            elif not _is_missing(v):
                direction[j] = -1.0 if float(v) < 0 else 1.0
    base = _float(kp, "baseline", nk, default=0.0)
    bfy = _float(kp, "baseline_fy", nk, default=float(y0))
    trend = _float(kp, "trend", nk, default=0.0)
    kmin = _float(kp, "minimum", nk)
    kmax = _float(kp, "maximum", nk)
    ty = np.array(years, dtype=float)
    K0u = base[:, None] * (1.0 + trend[:, None]) ** (ty[None, :] - bfy[:, None]) if nk else np.zeros((0, NYEARS))
    K0 = _clamp(K0u, kmin, kmax)
    kpi_target = np.full((nk, NYEARS), np.nan)
    if nk and len(kt):
        ycols = _year_columns(kt)
        kt_index = {name_key(k): j for j, k in enumerate(kt.index)}
        for t, y in enumerate(years):
            if y in ycols:
                col = pd.to_numeric(kt[ycols[y]], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
                for j, k in enumerate(kpi_ids):
                    r = kt_index.get(name_key(k))
                    if r is not None:
                        kpi_target[j, t] = col[r]
    names = [("" if _is_missing(v) else str(v)) for v in kp["name"]] if "name" in kp.columns else list(kpi_ids)
    units = [("" if _is_missing(v) else str(v)) for v in kp["unit"]] if "unit" in kp.columns else [""] * nk
    return dict(kpi_ids=kpi_ids, kpi_names=names, kpi_units=units,
                kpi_goal_ids=[None if _is_missing(g) else str(g) for g in gids], kpi_direction=direction,
                kpi_weight=kpi_weight, kpi_min=kmin, kpi_max=kmax, K0u=K0u, K0=K0, kpi_target=kpi_target)


def driver_fields(dr: pd.DataFrame, dd: np.ndarray, dp: np.ndarray, d_pair: np.ndarray, drv_kpi: np.ndarray,
                  nk: int, npair: int, baseline_totals: np.ndarray, rows: dict[str, slice]) -> dict:
    """The driver fields of `Prepared`: which spending unit (pair, or whole department when the
    program is -1) and year each driver reads, its baseline spending there, elasticities and cap."""
    nd = len(dd)
    unit = np.where(dp >= 0, d_pair, npair + dd).astype(np.int64)
    lag = _float(dr, "lag", nd, default=0.0).astype(np.int64)
    tt = np.arange(NYEARS)
    j = tt[None, :] - lag[:, None]
    valid = (j >= 0) & (j < NYEARS)
    drv_flat = unit[:, None] * NYEARS + np.clip(j, 0, NYEARS - 1)
    units0 = np.vstack([baseline_totals[rows["pairs"]], baseline_totals[rows["departments"]]])
    drv_S0 = units0.ravel()[drv_flat] if nd else np.zeros((0, NYEARS))
    drv_mask = valid & (drv_S0 != 0)
    drv_S0 = np.where(drv_mask, drv_S0, 1.0)
    el = _float(dr, "elasticity", nd, default=0.0)
    el_low = _float(dr, "elasticity_low", nd)
    el_high = _float(dr, "elasticity_high", nd)
    drv_el = np.vstack([el, np.where(np.isnan(el_low), el, el_low), np.where(np.isnan(el_high), el, el_high)])
    cap = np.abs(_float(dr, "max_effect", nd))
    A_kpi = sp.csr_matrix((np.ones(nd), (drv_kpi, np.arange(nd))), shape=(nk, nd))
    return dict(drv_kpi=drv_kpi, drv_dept=dd, drv_prog=dp, drv_flat=drv_flat, drv_mask=drv_mask, drv_S0=drv_S0,
                drv_el=drv_el, drv_cap=cap, drv_lag=lag, A_kpi=A_kpi)


def _clamp(values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    out = values
    lo2 = lo[:, None]
    hi2 = hi[:, None]
    out = np.where(~np.isnan(lo2) & (out < lo2), lo2, out)
    out = np.where(~np.isnan(hi2) & (out > hi2), hi2, out)
    return out
