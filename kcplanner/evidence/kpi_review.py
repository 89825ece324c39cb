"""The KPI review (SPEC, "Evidence for the drivers, and the KPI review": KPI review).

For each KPI: years (how many years K has); completeness (years ÷ (last − first + 1)); volatility (the
sample standard deviation of its yearly log changes y_t, null with fewer than 2); attainment (over the
years before y1 with both a value and a target, the share met by the model's test; null with none);
responsive (some driver's unpooled 80% interval excludes 0 → true; every estimated driver's includes
0 → false; none estimated → null); redundant_with (the other KPIs, in sheet order, whose y series
correlate with this one's at |r| ≥ 0.9 over ≥ 5 common years).  The recommendation is the first that
applies, in SPEC's order; `reasons` says why in plain words.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..dataset import Dataset
from ..engine.evaluation import _met  # the model's test: direction, within a relative 1e-9

MIN_YEARS = 4
MIN_COMPLETENESS = 0.75
REDUNDANT_R = 0.9
REDUNDANT_YEARS = 5
TARGET_YEARS = 3

IMPROVE_DATA = "improve data"
ADD_DRIVER = "add a driver"
NO_EVIDENCE = "no evidence that spending moves it"
REVIEW_TARGET = "review target"
MERGE = "consider merging with"
KEEP = "keep"

KPI_REVIEW_COLUMNS = ["name", "goal_id", "years", "first_year", "last_year", "completeness", "volatility",
                      "attainment", "target_years", "drivers", "estimated", "responsive", "redundant_with",
                      "recommendation", "reasons"]


def correlations(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(r, common): Pearson r of every pair of rows of `y` over the years both have (NaN = missing),
    and how many years that is; r is NaN where a series is constant over them or fewer than 2 are common."""
    M = np.isfinite(y).astype(np.float64)
    Y = np.where(M > 0, y, 0.0)

    def gram(a, b):  # a @ b.T without BLAS: on these small matrices einsum is faster and never threaded
        return np.einsum("it,jt->ij", a, b)

    common = gram(M, M)
    si = gram(Y, M)                   # Σ y_i over the years common with j
    sqi = gram(Y * Y, M)
    cross = gram(Y, Y)
    with np.errstate(divide="ignore", invalid="ignore"):
        num = common * cross - si * si.T
        den = np.sqrt((common * sqi - si * si) * (common * sqi.T - si.T * si.T))
        r = np.where((common >= 2) & (den > 0), num / den, np.nan)
    return np.clip(r, -1.0, 1.0), common.astype(np.int64)


def _attainment(dataset: Dataset, K: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(share met, years counted) over the years before y1 with a value and a target."""
    plan = dataset.plan
    y1 = dataset.first_plan_year
    years = [y for y in K.columns if y < y1]
    targets = plan.kpi_targets
    tk = {" ".join(str(k).split()).casefold(): i for i, k in enumerate(targets.index)}
    rows = [tk.get(" ".join(str(k).split()).casefold(), -1) for k in K.index]
    T = np.full((len(K), len(years)), np.nan)
    if len(targets) and years:
        tv = targets.reindex(columns=years).to_numpy(dtype=np.float64)
        for i, r in enumerate(rows):
            if r >= 0:
                T[i] = tv[r]
    V = K[years].to_numpy(dtype=np.float64) if years else np.zeros((len(K), 0))
    has = np.isfinite(T) & np.isfinite(V)
    direction = np.asarray(plan.kpis["direction"], dtype=np.float64) if len(plan.kpis) else np.ones(len(K))
    met = _met(V, T, direction, has) if years else np.zeros((len(K), 0), dtype=bool)
    count = has.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(count > 0, met.sum(axis=1) / np.maximum(count, 1), np.nan)
    return share, count


def _pct(x: float) -> str:
    return f"{x:.0%}"


def review_kpis(dataset: Dataset, K: pd.DataFrame, y: np.ndarray, years: np.ndarray, drivers: pd.DataFrame,
                d_kpi: np.ndarray) -> pd.DataFrame:
    """The review table, indexed by kpi_id in the KPIs sheet's order (KPI_REVIEW_COLUMNS)."""
    ids = list(K.index)
    n = len(ids)
    given = K.notna().to_numpy()
    count = given.sum(axis=1)
    cols = np.asarray(K.columns, dtype=np.int64)
    first = np.array([cols[g].min() if g.any() else -1 for g in given])
    last = np.array([cols[g].max() if g.any() else -1 for g in given])
    with np.errstate(invalid="ignore", divide="ignore"):
        completeness = np.where(count > 0, count / (last - first + 1), np.nan)
    ny = np.isfinite(y).sum(axis=1) if n else np.zeros(0, np.int64)
    with np.errstate(invalid="ignore"):
        vol = np.array([np.std(r[np.isfinite(r)], ddof=1) if k >= 2 else np.nan for r, k in zip(y, ny)])
    attain, t_years = _attainment(dataset, K)
    r, common = correlations(y) if n else (np.zeros((0, 0)), np.zeros((0, 0), np.int64))
    estimated = drivers["status"].to_numpy() == "estimated"
    excludes = estimated & ((drivers["low"].to_numpy() > 0) | (drivers["high"].to_numpy() < 0))
    kp = dataset.plan.kpis
    out = []
    with np.errstate(invalid="ignore"):
        close = (common >= REDUNDANT_YEARS) & (np.abs(r) >= REDUNDANT_R)
    np.fill_diagonal(close, False)
    n_drivers = np.bincount(d_kpi[d_kpi >= 0], minlength=n)
    n_estimated = np.bincount(d_kpi[(d_kpi >= 0) & estimated], minlength=n)
    n_excluding = np.bincount(d_kpi[(d_kpi >= 0) & excludes], minlength=n)
    names = kp["name"].astype(object).tolist() if len(kp) else [None] * n
    goals = kp["goal_id"].astype(object).tolist() if len(kp) else [None] * n
    for k, kid in enumerate(ids):
        n_drv, n_est = int(n_drivers[k]), int(n_estimated[k])
        responsive = True if n_excluding[k] else (False if n_est else None)
        red = [ids[j] for j in np.flatnonzero(close[k])]
        reasons: list[str] = []
        rec = None
        if count[k] < MIN_YEARS or completeness[k] < MIN_COMPLETENESS:
            rec = IMPROVE_DATA
            if count[k] < MIN_YEARS:
                reasons.append(f"it has {count[k]} year{'s' if count[k] != 1 else ''} of history; the review needs "
                               f"at least {MIN_YEARS}")
            if completeness[k] < MIN_COMPLETENESS:
                span = int(last[k] - first[k] + 1)
                reasons.append(f"only {count[k]} of the {span} years from FY{first[k]} to FY{last[k]} have a value "
                               f"({_pct(completeness[k])} complete; the review needs {_pct(MIN_COMPLETENESS)})")
        elif n_drv == 0:
            rec = ADD_DRIVER
            reasons.append("no driver links spending to it, so the budget cannot move it in the model")
        elif responsive is False:
            rec = NO_EVIDENCE
            reasons.append(f"the 80% interval of every estimated driver ({n_est} of {n_drv}) includes no effect: "
                           "the history does not show spending moving it")
        elif t_years[k] >= TARGET_YEARS and attain[k] in (0.0, 1.0):
            rec = REVIEW_TARGET
            reasons.append(("it met its target in every one" if attain[k] == 1.0 else "it missed its target in every one")
                           + f" of the {t_years[k]} past years with a target: the target "
                           + ("may be too easy" if attain[k] == 1.0 else "may be out of reach"))
        elif red:
            rec = f"{MERGE} {red[0]}"
            reasons.append(f"its yearly changes move with those of {', '.join(red)} (|r| ≥ {REDUNDANT_R} over at "
                           f"least {REDUNDANT_YEARS} years): one of them may be enough")
        else:
            rec = KEEP
            reasons.append("enough history, a driver whose effect shows in the history, and a target that is "
                           "sometimes met and sometimes missed" if responsive else
                           "enough history and drivers; no driver could be estimated yet")
        out.append({"name": names[k], "goal_id": goals[k],
                    "years": int(count[k]), "first_year": int(first[k]) if count[k] else None,
                    "last_year": int(last[k]) if count[k] else None,
                    "completeness": float(completeness[k]) if count[k] else None,
                    "volatility": float(vol[k]) if np.isfinite(vol[k]) else None,
                    "attainment": float(attain[k]) if np.isfinite(attain[k]) else None,
                    "target_years": int(t_years[k]), "drivers": n_drv, "estimated": n_est,
                    "responsive": responsive, "redundant_with": red, "recommendation": rec,
                    "reasons": "; ".join(reasons)})
    frame = pd.DataFrame(out, index=pd.Index(ids, name="kpi_id"), columns=KPI_REVIEW_COLUMNS)
    return frame
