"""Which goal each KPI serves (the KPIs tab groups its charts by goal; the detail names it)."""

from __future__ import annotations


def kpi_goals(prepared) -> list[tuple[str, str]]:
    """(goal id, goal name) per KPI, in the order of `prepared.kpi_ids`."""
    plan = prepared.dataset.plan
    goals = {}
    if len(plan.goals) and "goal_id" in plan.goals.columns:
        for gid, name in zip(plan.goals["goal_id"], plan.goals["goal"]):
            goals[str(gid).strip().casefold()] = (str(gid), str(name))
    by_kpi = {}
    if len(plan.kpis) and "goal_id" in plan.kpis.columns:
        for kid, gid in zip(plan.kpis["kpi_id"], plan.kpis["goal_id"]):
            key = str(gid).strip().casefold() if gid is not None and gid == gid else ""
            by_kpi[str(kid).strip()] = goals.get(key, (str(gid) if key else "", str(gid) if key else "No goal"))
    return [by_kpi.get(k, ("", "No goal")) for k in prepared.kpi_ids]
