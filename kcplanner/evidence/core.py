"""Evidence for the drivers (SPEC, "Evidence for the drivers, and the KPI review").

`estimate_evidence(dataset, pool=None | "goal")` builds the histories (`history`), turns them into
yearly log changes on one contiguous year axis, fits every KPI's drivers at once (`ols.fit_batch`,
KPIs grouped by their number of drivers), optionally pools within goals (`pooling`), and reviews
every KPI (`kpi_review`).  The result is a plain `Evidence` object the app shows, the CLI writes as
JSON and the KPI-review workbook lays out.  docs/evidence.md gives the method and its choices.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..dataset import Dataset
from ..report import ValidationReport
from .checks import spending_gaps
from .history import kpi_history, spending_history
from .kpi_review import review_kpis
from .ols import fit_batch, needs
from .pooling import pool_by_goal

ESTIMATED = "estimated"
NOT_ENOUGH = "not enough history"
NOT_SEPARABLE = "drivers move together"
FLAG_NOT_ENOUGH = "not enough history"
FLAG_NO_EVIDENCE = "no evidence"
FLAG_OUTSIDE = "entered outside interval"
FLAG_TOGETHER = "drivers move together"

DRIVER_COLUMNS = ["kpi", "kpi_name", "department", "program", "spending", "lag", "n", "needs", "estimate", "se",
                  "low", "high", "p", "r2", "entered", "entered_low", "entered_high", "pooled", "pooled_se",
                  "first_year", "last_year", "years", "status", "flags", "direction", "goal_id", "intercept"]


def _key(value: object) -> str:
    return " ".join(str(value).split()).casefold()


@dataclass
class Evidence:
    """What `estimate_evidence` found (see the module docstring and docs/evidence.md).

    - drivers: one row per Drivers-sheet row (same index, sheet order), DRIVER_COLUMNS
    - kpis: indexed by kpi_id (KPIs-sheet order): years, completeness, volatility, attainment,
      responsive, redundant_with, recommendation, reasons
    - kpi_history: K[t] (rows kpi_id, columns fiscal_year); spending_history: S_d[t] (rows driver)
    - years: the contiguous year axis of the log changes; y: (KPIs, years) ln K[t] − ln K[t−1];
      x: (drivers, years) the driver's lagged change ln S[t−L] − ln S[t−L−1]; used: (drivers, years)
      the years its KPI's fit used
    - pool: None or "goal"; pooled_goals: goal → its DerSimonian–Laird figures
    - report: warnings about the history (a spending history with a gap), located where possible
    """

    drivers: pd.DataFrame
    kpis: pd.DataFrame
    kpi_history: pd.DataFrame
    spending_history: pd.DataFrame
    years: np.ndarray
    y: np.ndarray
    x: np.ndarray
    used: np.ndarray
    pool: str | None = None
    pooled_goals: dict = field(default_factory=dict)
    report: ValidationReport = field(default_factory=ValidationReport)

    #: for each driver row, the row of `kpi_history` / `y` it belongs to
    driver_kpi: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def points(self, i) -> pd.DataFrame:
        """The points of driver row `i`'s fit: fiscal_year, x (its lagged log spending change), y (the
        KPI's log change), and y_partial = y − Σ of the other drivers' b·x (on the line intercept + b·x
        when the fit is exact; = y for a one-driver KPI)."""
        pos = self.drivers.index.get_loc(i)
        k = self.driver_kpi[pos]
        mask = self.used[pos]
        y = self.y[k, mask]
        partial = y.copy()
        if self.drivers["status"].iat[pos] == ESTIMATED:
            for j in np.flatnonzero(self.driver_kpi == k):
                if j != pos:
                    partial = partial - self.drivers["estimate"].iat[j] * self.x[j, mask]
        return pd.DataFrame({"fiscal_year": self.years[mask].astype(np.int64), "x": self.x[pos, mask], "y": y,
                             "y_partial": partial})


def log_changes(v: np.ndarray) -> np.ndarray:
    """(rows, years) levels on a contiguous year axis → ln v[t] − ln v[t−1] where both are given and
    above 0, else NaN (the first year has no change)."""
    v = np.asarray(v, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        lv = np.where(v > 0, np.log(np.where(v > 0, v, 1.0)), np.nan)
    out = np.full(v.shape, np.nan)
    out[:, 1:] = lv[:, 1:] - lv[:, :-1]
    return out


def lagged(changes: np.ndarray, lags: np.ndarray) -> np.ndarray:
    """Row d moved right by lags[d] years: x_{d,t} = change_d[t − L_d]."""
    out = np.full(changes.shape, np.nan)
    T = changes.shape[1]
    for d, L in enumerate(np.asarray(lags, dtype=np.int64).tolist()):
        if L < T:
            out[d, L:] = changes[d, :T - L]
    return out


def _levels(wide: pd.DataFrame, years: np.ndarray) -> np.ndarray:
    if not len(wide.columns):
        return np.full((len(wide), len(years)), np.nan)
    return wide.reindex(columns=years).to_numpy(dtype=np.float64)


def _spending_label(dept: object, prog: object) -> str:
    return str(prog) if pd.notna(prog) else str(dept)


@dataclass
class DriverFits:
    """`fit_drivers`' result, one entry per driver: figures (estimate, se, low, high, p, r2, intercept:
    arrays, NaN where not estimated), n, needs (m + 3), singular, used (drivers, years)."""

    figures: dict
    n: np.ndarray
    needs: np.ndarray
    singular: np.ndarray
    used: np.ndarray


def fit_drivers(y: np.ndarray, x: np.ndarray, d_kpi: np.ndarray) -> DriverFits:
    """The estimator's core on arrays: y (KPIs, years) the KPIs' log changes, x (drivers, years) each
    driver's lagged log spending change, d_kpi (drivers,) the row of y each driver belongs to (−1: none).
    KPIs are fitted in batches of equal driver count (`ols.fit_batch`), each over the years where its y
    and all its drivers' x are given."""
    D, T = x.shape
    est = {c: np.full(D, np.nan) for c in ("estimate", "se", "low", "high", "p", "r2", "intercept")}
    n = np.zeros(D, dtype=np.int64)
    need = np.zeros(D, dtype=np.int64)
    singular = np.zeros(D, dtype=bool)
    used = np.zeros((D, T), dtype=bool)
    groups: dict[int, list[int]] = {}
    order = np.argsort(d_kpi, kind="stable")
    starts = np.searchsorted(d_kpi[order], np.arange(len(y) + 1))
    members = [order[starts[k]:starts[k + 1]] for k in range(len(y))]
    for k, idx in enumerate(members):
        if len(idx):
            groups.setdefault(len(idx), []).append(k)
    for m, ks in groups.items():
        rows = np.array([members[k] for k in ks])                       # (B, m) driver rows
        Xb = np.transpose(x[rows], (0, 2, 1))                          # (B, T, m)
        yb = y[ks]
        ok_years = np.isfinite(yb) & np.isfinite(Xb).all(axis=2)
        fits = fit_batch(Xb, yb, ok_years)
        flat = rows.ravel()
        n[flat] = np.repeat(fits.n, m)
        need[flat] = needs(m)
        singular[flat] = np.repeat(fits.singular, m)
        used[flat] = np.repeat(ok_years, m, axis=0)
        for c in ("estimate", "se", "low", "high", "p"):
            est[c][flat] = getattr(fits, c).ravel()
        est["r2"][flat] = np.repeat(fits.r2, m)
        est["intercept"][flat] = np.repeat(fits.intercept, m)
    return DriverFits(est, n, need, singular, used)


def _status(fit: DriverFits, entered: np.ndarray) -> tuple[list[str], list[list[str]]]:
    """Each driver's status and flags (SPEC: not enough history; no evidence; entered outside interval)."""
    est = fit.figures
    status, flags = [], []
    for i in range(len(entered)):
        f: list[str] = []
        if np.isfinite(est["estimate"][i]):
            status.append(ESTIMATED)
            if est["low"][i] <= 0 <= est["high"][i]:
                f.append(FLAG_NO_EVIDENCE)
            if not est["low"][i] <= entered[i] <= est["high"][i]:
                f.append(FLAG_OUTSIDE)
        elif fit.singular[i]:
            status.append(NOT_SEPARABLE)
            f.append(FLAG_TOGETHER)
        else:
            status.append(NOT_ENOUGH)
            f.append(FLAG_NOT_ENOUGH)
        flags.append(f)
    return status, flags


def _driver_frame(drivers: pd.DataFrame, kp: pd.DataFrame, kpi_ids: list, d_kpi: np.ndarray, years: np.ndarray,
                  fit: DriverFits, pooled: np.ndarray, pooled_se: np.ndarray) -> pd.DataFrame:
    D = len(drivers)
    k = np.maximum(d_kpi, 0)
    direction = np.asarray(kp["direction"], dtype=np.int64)[k] if len(kp) else np.ones(D, np.int64)
    goal = np.asarray(kp["goal_id"].astype(object), dtype=object)[k] if len(kp) else np.full(D, None, dtype=object)
    names = kp["name"].astype(object).to_numpy()[k] if len(kp) else np.full(D, None, dtype=object)
    entered = np.asarray(drivers["elasticity"], dtype=np.float64)
    status, flags = _status(fit, entered)
    used_years = [years[u].astype(int).tolist() for u in fit.used]
    done = [s == ESTIMATED for s in status]
    obj = lambda values: pd.Series(list(values), index=drivers.index, dtype=object)  # noqa: E731 (None stays None)
    frame = pd.DataFrame({
        "kpi": obj(kpi_ids[j] if j >= 0 else str(v) for j, v in zip(d_kpi, drivers["kpi_id"])),
        "kpi_name": obj(names[i] if d_kpi[i] >= 0 else None for i in range(D)),
        "department": obj(drivers["department"].astype(object)),
        "program": obj(p if pd.notna(p) else None for p in drivers["program"].astype(object)),
        "spending": obj(_spending_label(d, p) for d, p in zip(drivers["department"], drivers["program"])),
        "lag": np.asarray(drivers["lag"], dtype=np.int64), "n": fit.n, "needs": fit.needs,
        **{c: fit.figures[c] for c in ("estimate", "se", "low", "high", "p", "r2")},
        "entered": entered,
        "entered_low": np.asarray(drivers["elasticity_low"], dtype=np.float64),
        "entered_high": np.asarray(drivers["elasticity_high"], dtype=np.float64),
        "pooled": pooled, "pooled_se": pooled_se,
        "first_year": pd.array([y[0] if y and d else None for y, d in zip(used_years, done)], dtype="Int64"),
        "last_year": pd.array([y[-1] if y and d else None for y, d in zip(used_years, done)], dtype="Int64"),
        "years": obj(used_years), "status": obj(status), "flags": obj(flags), "direction": direction,
        "goal_id": obj(goal), "intercept": fit.figures["intercept"]}, index=drivers.index)
    return frame[DRIVER_COLUMNS]


def estimate_evidence(dataset: Dataset, pool: str | None = None) -> Evidence:
    """Estimate every driver's elasticity from the history, optionally pool within goals, review the KPIs."""
    if pool not in (None, "goal"):
        raise ValueError(f"pool: expected None or 'goal', found {pool!r}")
    plan = dataset.plan
    K = kpi_history(dataset)
    S = spending_history(dataset)
    drivers = plan.drivers
    lags = np.asarray(drivers["lag"], dtype=np.int64)
    given = [int(y) for y in K.columns] + [int(y) for y in S.columns]
    years = np.arange(min(given), max(given) + 1) if given else np.zeros(0, np.int64)
    y = log_changes(_levels(K, years))
    x = lagged(log_changes(_levels(S, years)), lags)
    kpi_ids = list(K.index)
    row_of = {_key(k): i for i, k in enumerate(kpi_ids)}
    d_kpi = np.array([row_of.get(_key(k), -1) for k in drivers["kpi_id"]], dtype=np.int64)
    fit = fit_drivers(y, x, d_kpi)
    pooled, pooled_se = np.full(len(drivers), np.nan), np.full(len(drivers), np.nan)
    per_goal: dict = {}
    frame = _driver_frame(drivers, plan.kpis, kpi_ids, d_kpi, years, fit, pooled, pooled_se)
    if pool == "goal" and len(drivers):
        pooled, pooled_se, per_goal = pool_by_goal(frame["goal_id"].to_numpy(), frame["direction"].to_numpy(float),
                                                   fit.figures["estimate"], fit.figures["se"])
        frame["pooled"], frame["pooled_se"] = pooled, pooled_se
    report = ValidationReport()
    spending_gaps(report, dataset, S)
    return Evidence(drivers=frame, kpis=review_kpis(dataset, K, y, years, frame, d_kpi), kpi_history=K,
                    spending_history=S, years=years, y=y, x=x, used=fit.used, pool=pool, pooled_goals=per_goal,
                    report=report, driver_kpi=d_kpi)
