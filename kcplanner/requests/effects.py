"""The projected effect of funding a request.

**Effect of a request** (docs/requests-and-optimizer.md).  Given a base scenario, the effect of
request R is the engine with R funded minus the engine without it:

    with    = evaluate(prepared, base.fund_request(R))     (or base itself when base funds R)
    without = evaluate(prepared, base.unfund_request(R))   (or base itself when base does not)
    effect  = with − without     (KPI paths, fund expenditure, balances, structural balance, score)

so the figures are exactly the difference of two engine runs, and the run that equals the base
is evaluated once for every request (n requests cost n + 1 evaluations).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from ..engine import Prepared, Results, evaluate
from ..scenario import Scenario
from .keys import _key

@dataclass
class RequestEffect:
    """The projected effect of funding one request on top of a base scenario (with − without).

    Arrays have one column per plan year.  KPI rows follow `kpi_ids` (the engine's KPI order),
    fund rows follow `fund_names`.
    """

    request_id: str
    title: str
    request_type: str
    department: str
    program: str
    fund: str
    recurring: bool
    funded_in_base: bool
    plan_years: list[int]
    year_labels: list[str]
    cost: np.ndarray                 # (5,) the request's line as the engine adds it (a Reduction negative)
    kpi_ids: list[str]
    kpi_names: list[str]
    kpi_direction: np.ndarray        # (kpis,) +1 higher is better, −1 lower is better
    kpi_without: np.ndarray          # (kpis, 5) scenario path without the request
    kpi_with: np.ndarray             # (kpis, 5) scenario path with the request
    kpi_delta: np.ndarray            # (kpis, 5) with − without
    kpi_target: np.ndarray           # (kpis, 5) NaN where none
    met_without: np.ndarray          # (kpis, 5) bool
    met_with: np.ndarray
    cost_per_unit: np.ndarray        # (kpis,) five-year cost / Σ_t improvement (NaN: no effect)
    fund_names: list[str]
    expenditure_delta: np.ndarray    # (funds, 5)
    balance_delta: np.ndarray        # (funds, 5)
    structural_delta: np.ndarray     # (funds, 5)
    reserve_ratio_with: np.ndarray   # (funds, 5)
    reserve_ratio_without: np.ndarray
    score_without: np.ndarray        # (5,)
    score_with: np.ndarray
    findings_added: list[str] = field(default_factory=list)    # policy findings only with the request
    findings_removed: list[str] = field(default_factory=list)  # findings the request clears

    @property
    def total_cost(self) -> float:
        return float(self.cost.sum())

    @property
    def score_delta(self) -> np.ndarray:
        return self.score_with - self.score_without

    @property
    def improvement(self) -> np.ndarray:
        """(kpis, 5) the KPI change in its good direction (positive = better)."""
        return self.kpi_direction[:, None] * self.kpi_delta

    def moved_kpis(self, rel_tol: float = 1e-12) -> list[int]:
        """Rows of the KPIs this request changes in some plan year."""
        scale = np.maximum(np.abs(self.kpi_without), 1e-300)
        moved = (np.abs(self.kpi_delta) > rel_tol * scale).any(axis=1)
        return [int(i) for i in np.flatnonzero(moved)]

    def kpi_frame(self) -> pd.DataFrame:
        cols = pd.Index(self.plan_years, name="fiscal_year")
        parts = {"without": self.kpi_without, "with": self.kpi_with, "delta": self.kpi_delta,
                 "target": self.kpi_target}
        return pd.concat({k: pd.DataFrame(v, index=pd.Index(self.kpi_ids, name="kpi_id"), columns=cols)
                          for k, v in parts.items()}, axis=1)

    def fund_frame(self) -> pd.DataFrame:
        cols = pd.Index(self.plan_years, name="fiscal_year")
        parts = {"expenditure": self.expenditure_delta, "balance": self.balance_delta,
                 "structural": self.structural_delta}
        return pd.concat({k: pd.DataFrame(v, index=pd.Index(self.fund_names, name="fund"), columns=cols)
                          for k, v in parts.items()}, axis=1)


def cost_per_unit(total_cost: float, improvement: np.ndarray) -> np.ndarray:
    """Five-year cost / Σ over plan years of the KPI improvement (cost per KPI unit-year).

    `improvement` is (kpis, 5) in each KPI's good direction.  NaN where the sum is 0; negative
    where the request makes the KPI worse (or saves money while improving it)."""
    s = np.asarray(improvement, dtype=float).sum(axis=1)
    scale = np.abs(improvement).sum(axis=1)
    ok = np.abs(s) > 1e-12 * np.maximum(scale, 1e-300)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ok, total_cost / np.where(ok, s, 1.0), np.nan)


def _effect(P: Prepared, j: int, rid: str, base_funded: bool, with_r: Results, without_r: Results) -> RequestEffect:
    k, f = with_r.kpis, with_r.funds
    k0, f0 = without_r.kpis, without_r.funds
    names = P.names
    delta = k.scenario - k0.scenario
    cost = P.req_costs[j].copy()
    improvement = k.direction[:, None] * delta
    fw = {x.message for x in with_r.findings}
    fo = {x.message for x in without_r.findings}
    return RequestEffect(
        request_id=rid, title=P.request_titles[j], request_type=P.request_types[j],
        department=names["request_departments"][j], program=names["request_programs"][j],
        fund=names["request_funds"][j], recurring=bool(P.req_rec[j]), funded_in_base=base_funded,
        plan_years=list(with_r.plan_years), year_labels=list(with_r.year_labels), cost=cost,
        kpi_ids=list(k.ids), kpi_names=list(k.names), kpi_direction=np.asarray(k.direction, dtype=float),
        kpi_without=k0.scenario, kpi_with=k.scenario, kpi_delta=delta, kpi_target=k.target,
        met_without=k0.met, met_with=k.met,
        cost_per_unit=cost_per_unit(float(cost.sum()), improvement),
        fund_names=list(f.names), expenditure_delta=f.expenditure - f0.expenditure,
        balance_delta=f.balance - f0.balance, structural_delta=f.structural - f0.structural,
        reserve_ratio_with=f.reserve_ratio, reserve_ratio_without=f0.reserve_ratio,
        score_without=k0.score, score_with=k.score,
        findings_added=[x.message for x in with_r.findings if x.message not in fo],
        findings_removed=[x.message for x in without_r.findings if x.message not in fw])


def request_effects(prepared: Prepared, base_scenario: Scenario, request_ids: Iterable[str] | None = None,
                    base_results: Results | None = None, progress=None,
                    cancelled=None) -> list[RequestEffect]:
    """The effect of each request (default: every request in the dataset, in dataset order).

    One engine run for the base (pass `base_results` to reuse one) plus one per request.
    `progress(fraction, text)` and `cancelled() -> bool` are optional callbacks for a worker."""
    P = prepared
    ids = list(P.request_ids) if request_ids is None else [str(r) for r in request_ids]
    base = base_results if base_results is not None else evaluate(P, base_scenario)
    funded = {_key(r) for r in base_scenario.funded_requests}
    out: list[RequestEffect] = []
    for n, rid in enumerate(ids):
        if cancelled is not None and cancelled():
            break
        j = P.request_index.get(_key(rid))
        if j is None:
            raise KeyError(f"no request with ID '{rid}'")
        rid = P.request_ids[j]
        if _key(rid) in funded:
            other = evaluate(P, base_scenario.unfund_request(rid))
            out.append(_effect(P, j, rid, True, base, other))
        else:
            other = evaluate(P, base_scenario.fund_request(rid))
            out.append(_effect(P, j, rid, False, other, base))
        if progress is not None:
            progress((n + 1) / max(len(ids), 1), f"Request {rid}")
    return out


def request_effect(prepared: Prepared, base_scenario: Scenario, request_id: str) -> RequestEffect:
    return request_effects(prepared, base_scenario, [request_id])[0]


def effects_table(effects: Sequence[RequestEffect]) -> pd.DataFrame:
    """One row per request: cost by year, five-year cost, score change, KPIs moved (for a list view)."""
    rows = []
    for e in effects:
        row: dict[str, Any] = {"request_id": e.request_id, "title": e.title, "type": e.request_type,
                               "department": e.department, "program": e.program, "fund": e.fund,
                               "funded_in_base": e.funded_in_base}
        for t, y in enumerate(e.plan_years):
            row[f"cost {y}"] = e.cost[t]
        row["total_cost"] = e.total_cost
        with np.errstate(invalid="ignore"):
            row["score_change"] = float(np.nanmean(e.score_delta)) if np.isfinite(e.score_delta).any() else np.nan
        moved = e.moved_kpis()
        row["kpis_moved"] = ", ".join(e.kpi_ids[i] for i in moved)
        rows.append(row)
    return pd.DataFrame(rows)
