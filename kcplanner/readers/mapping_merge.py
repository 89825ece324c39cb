"""Mapped revenue lines and KPIs join the plan (line items join the budget in read_dataset)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..dataset import Budget, Plan, amounts_frame
from ..report import ValidationReport
from .plan import PlanRefs


def _k(v) -> str:
    return " ".join(str(v).split()).casefold()


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if f is not None]
    nonempty = [f for f in frames if len(f)]
    if not nonempty:
        return frames[0] if frames else pd.DataFrame()
    if len(nonempty) == 1:
        return nonempty[0].reset_index(drop=True)
    return pd.concat(nonempty, ignore_index=True)


def _concat_amounts(frames: list[pd.DataFrame], lengths: list[int]) -> pd.DataFrame:
    cols = sorted(set().union(*(set(a.columns) for a in frames))) if frames else []
    parts = []
    for a, n in zip(frames, lengths):
        b = a.reindex(columns=pd.MultiIndex.from_tuples(cols, names=["fiscal_year", "phase"])) if cols \
            else amounts_frame(n)
        parts.append(b.reset_index(drop=True))
    out = pd.concat(parts, ignore_index=True) if parts else amounts_frame(0)
    out.columns = pd.MultiIndex.from_tuples(list(out.columns), names=["fiscal_year", "phase"])
    return out.astype(float)


def merge_mapped(plan: Plan, budget: Budget, parts: list, report: ValidationReport, refs: PlanRefs) -> None:
    rev = [p for p in parts if p.revenue is not None and len(p.revenue)]
    if rev:
        frames = [plan.revenue] + [p.revenue for p in rev]
        amounts = [plan.revenue_amounts] + [p.revenue_amounts for p in rev]
        lengths = [len(f) for f in frames]
        plan.revenue = _concat(frames)
        plan.revenue["recurring"] = plan.revenue["recurring"].astype(bool)
        plan.revenue["growth"] = plan.revenue["growth"].astype(float)
        plan.revenue["source_row"] = plan.revenue["source_row"].astype(np.int64)
        plan.revenue_amounts = _concat_amounts(amounts, lengths)
    kp = [p for p in parts if p.kpis is not None and len(p.kpis)]
    if not kp:
        return
    known = set(refs.kpi_keys)
    new_kpis, new_targets, new_hist = [], [], []
    goals_known = {_k(g) for g in plan.goals["goal_id"]}
    new_goals = []
    for p in kp:
        keys = [_k(v) for v in p.kpis["kpi_id"]]
        dup = [v for v, k in zip(p.kpis["kpi_id"], keys) if k in known]
        if dup:
            report.error(p.file, p.sheet, "", f"{len(dup)} imported measure ID(s) are already KPI IDs of the plan or "
                         f"of another import: {', '.join(map(str, dup[:20]))}; expected distinct IDs")
            continue
        known.update(keys)
        new_kpis.append(p.kpis)
        new_targets.append(p.kpi_targets)
        new_hist.append(p.kpi_history)
        for _, g in p.goals.iterrows():
            if _k(g["goal_id"]) not in goals_known:
                goals_known.add(_k(g["goal_id"]))
                new_goals.append(g.to_dict())
    if not new_kpis:
        return
    plan.kpis = _concat([plan.kpis] + new_kpis)
    plan.kpis["direction"] = plan.kpis["direction"].astype(np.int64)
    plan.kpis["baseline_fy"] = pd.array(plan.kpis["baseline_fy"], dtype="Int64")
    for c in ("baseline", "trend", "minimum", "maximum", "weight"):
        plan.kpis[c] = plan.kpis[c].astype(float)
    targets = [t for t in [plan.kpi_targets] + new_targets if t is not None and len(t)]
    if targets:
        kt = pd.concat(targets, axis=0)
        kt = kt.reindex(columns=sorted(kt.columns)).astype(float)
        kt.index.name = "kpi_id"
        plan.kpi_targets = kt
    plan.kpi_history = _concat([plan.kpi_history] + new_hist)
    if new_goals:
        plan.goals = _concat([plan.goals, pd.DataFrame(new_goals)])
        plan.goals["weight"] = plan.goals["weight"].astype(float)
    refs.kpi_keys = known
    if refs.kpis is None:
        refs.kpis = pd.DataFrame({"kpi_id": [], "department": [], "_dept_cell": [], "file": [], "sheet": []})
    # departments of imported measures that have no line items: they cannot have drivers
    li_depts = {_k(d) for d in budget.line_items["department"].dropna()} if len(budget.line_items) else set()
    if li_depts:
        for p in kp:
            other = sorted({str(d) for d in p.kpis["department"].dropna() if _k(d) not in li_depts})
            if other:
                report.warning(p.file, p.sheet, "", f"the imported measures name {len(other)} department(s) with no "
                               f"line items ({', '.join(other[:15])}); such KPIs can have no drivers")
    # a KPI-only import: the plan starts in the export's current year
    has_amounts = bool(len(budget.amounts.columns)) and bool(budget.amounts.notna().to_numpy().any())
    if plan.settings.first_plan_year is None and not has_amounts and len(plan.kpi_targets.columns):
        plan.settings.first_plan_year = int(min(plan.kpi_targets.columns))
