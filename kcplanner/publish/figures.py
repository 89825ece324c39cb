"""Each chart of the site as a `Figure`: its title, the data the page's script draws it from (a
small spec that static/site.js turns into ECharts options) and the same figures as a real table, the
chart's text alternative.  All figures are the engine's results, formatted by formats.py."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import formats as F
from .charts import split_name
from .context import SiteContext
from .names import name_key, slug

STATUS_WORDS = {"no_policy": "no reserve policy", "no_expenditure": "no expenditure", "below_floor": "below floor",
                "below_target": "below target", "within": "within policy", "above_ceiling": "above ceiling",
                "no_revenue_data": "no revenue data"}


@dataclass
class Figure:
    id: str
    title: str
    spec: dict
    head: list[str]
    rows: list[list[str]]
    numeric: list[bool] = field(default_factory=list)
    summary: str = ""


def _series(name, kind, data, **extra) -> dict:
    return {"name": name, "kind": kind, "data": [F.clean(v) for v in data], **extra}


def city_spending(ctx: SiteContext) -> Figure:
    by_goal = ctx.money_tree.groupby("goal", sort=False)["proposed"].sum()
    names = list(by_goal.index)
    total = float(by_goal.sum())
    rows = [[g, F.money(v), F.percent(v / total if total else np.nan)] for g, v in by_goal.items()]
    spec = {"x": names, "horizontal": True, "axes": [{"format": "money"}],
            "series": [_series(f"{ctx.y1_label} proposed", "bar", by_goal.to_numpy())]}
    top = names[0] if names else ""
    return Figure("city-spending", f"Where the money goes in {ctx.y1_label}, by goal", spec,
                  ["Goal", f"{ctx.y1_label} proposed", "Share"], rows, [False, True, True],
                  f"Spending by council goal in {ctx.y1_label}; the largest is {top}.")


def plan_score(ctx: SiteContext) -> Figure:
    k = ctx.results.kpis
    score = np.asarray(k.score, dtype=float)
    with_target = k.has_target.sum(axis=0) if len(k.ids) else np.zeros(len(ctx.years), dtype=int)
    met = (k.met & k.has_target).sum(axis=0) if len(k.ids) else np.zeros(len(ctx.years), dtype=int)
    rows = [[lab, F.percent(s), f"{int(m)} of {int(n)}"] for lab, s, m, n in zip(ctx.labels, score, met, with_target)]
    spec = {"x": ctx.labels, "axes": [{"format": "percent", "min": 0, "max": 1}],
            "series": [_series("Plan score", "line", score)]}
    return Figure("plan-score", "Plan score by year (weighted share of KPI targets met)", spec,
                  ["Year", "Plan score", "KPIs on target"], rows, [False, True, True],
                  "The plan score in each plan year: " + ", ".join(f"{r[0]} {r[1]}" for r in rows) + ".")


def fund_outlook(ctx: SiteContext, fund: str) -> Figure:
    f = ctx.results.funds
    i = [name_key(n) for n in f.names].index(name_key(fund))
    name = f.names[i]
    marks = [{"label": f"{w} {F.percent(v)}", "value": F.clean(v)}
             for w, v in (("Floor", f.floor[i]), ("Target", f.target[i]), ("Ceiling", f.ceiling[i])) if v == v]
    series = [_series("Revenue", "bar", f.revenue[i]), _series("Expenditure", "bar", f.expenditure[i]),
              _series("Ending balance", "line", f.balance[i])]
    axes = [{"format": "money"}]
    if np.isfinite(f.reserve_ratio[i]).any():
        series.append(_series("Reserve (balance / expenditure)", "line", f.reserve_ratio[i], axis=1, dashed=True))
        axes.append({"format": "percent", "marks": marks})
    rows = [[lab, F.money(f.revenue[i, t]), F.money(f.expenditure[i, t]), F.money(f.balance[i, t]),
             F.percent(f.reserve_ratio[i, t]), F.money(f.structural[i, t]), STATUS_WORDS.get(str(f.status[i, t]), "")]
            for t, lab in enumerate(ctx.labels)]
    policy = ", ".join(m["label"] for m in marks) or "no reserve policy"
    return Figure(f"fund-outlook-{slug(name)}", f"Five-year outlook: {name}",
                  {"x": ctx.labels, "axes": axes, "series": series},
                  ["Year", "Revenue", "Expenditure", "Ending balance", "Reserve", "Structural balance", "Reserve policy"],
                  rows, [False, True, True, True, True, True, False],
                  f"{name}: revenue, expenditure and ending balance over the five plan years; reserve policy: {policy}.")


def department_spending(ctx: SiteContext, department: str) -> Figure:
    p = ctx.results.by_program
    dep = ctx.results.by_department.names[[name_key(n) for n in ctx.results.by_department.names].index(name_key(department))]
    rows_i = ctx.program_rows(dep)
    series = [_series(p.names[i][1], "bar", p.scenario[i], stack="programs") for i in rows_i]
    d = ctx.department_index(dep)
    rows = [[p.names[i][1]] + [F.money(v) for v in p.scenario[i]] for i in rows_i]
    rows.append(["Total"] + [F.money(v) for v in ctx.results.by_department.scenario[d]])
    return Figure(f"department-spending-{slug(dep)}", f"{dep}: spending by program, five years",
                  {"x": ctx.labels, "axes": [{"format": "money"}], "series": series},
                  ["Program"] + ctx.labels, rows, [False] + [True] * len(ctx.labels),
                  f"{dep}'s proposed spending by program in each of the five plan years.")


def goal_spending(ctx: SiteContext, goal: str) -> Figure:
    tree = ctx.money_tree
    part = tree[tree["goal"] == goal]
    by_dep = part.groupby("department", sort=False)["proposed"].sum().sort_values(ascending=False)
    rows = [[d, str(int((part["department"] == d).sum())), F.money(v)] for d, v in by_dep.items()]
    rows.append(["Total", str(len(part)), F.money(by_dep.sum())])
    return Figure(f"goal-spending-{slug(goal)}", f"{goal}: the money behind the goal in {ctx.y1_label}",
                  {"x": list(by_dep.index), "horizontal": True, "axes": [{"format": "money"}],
                   "series": [_series(f"{ctx.y1_label} proposed", "bar", by_dep.to_numpy())]},
                  ["Department", "Programs", f"{ctx.y1_label} proposed"], rows, [False, True, True],
                  f"The departments whose programs serve {goal}, by proposed spending in {ctx.y1_label}.")


def kpi_chart(ctx: SiteContext, kpi_id: str) -> Figure:
    k = ctx.results.kpis
    i = [name_key(x) for x in k.ids].index(name_key(kpi_id))
    key = name_key(k.ids[i])
    h = ctx.kpi_history.get(key, pd.Series(dtype=float))
    tser = ctx.kpi_targets.get(key)
    years = sorted(set(int(y) for y in h.index) | set(ctx.years)
                   | (set(int(y) for y in tser.index) if tser is not None else set()))
    labels = [ctx.label(y) for y in years]
    plan = {y: t for t, y in enumerate(ctx.years)}

    def plan_values(arr):
        return [arr[i, plan[y]] if y in plan else None for y in years]

    actual = [h.get(y) for y in years]
    target = [tser.get(y) if tser is not None else None for y in years]
    unit = k.units[i] or ""
    series = [_series("Actual", "line", actual), _series("Target", "scatter", target),
              _series("Projection", "line", plan_values(k.scenario), dashed=True),
              _series("Projection, low", "line", plan_values(k.low), faint=True),
              _series("Projection, high", "line", plan_values(k.high), faint=True)]
    met = [("met" if k.met[i, plan[y]] else "not met") if y in plan and k.has_target[i, plan[y]] else "" for y in years]
    rows = [[lab, F.number(a), F.number(t), F.number(s), F.number(lo), F.number(hi), m]
            for lab, a, t, s, lo, hi, m in zip(labels, actual, target, *(plan_values(x) for x in (k.scenario, k.low, k.high)), met)]
    better = "higher" if k.direction[i] > 0 else "lower"
    return Figure(f"kpi-{slug(k.ids[i])}", f"{k.ids[i]} {k.names[i]}" + (f" ({unit})" if unit else ""),
                  {"x": labels, "axes": [{"format": "number", "name": unit}], "series": series},
                  ["Year", "Actual", "Target", "Projection", "Low", "High", "Target met"], rows,
                  [False, True, True, True, True, True, False],
                  f"{k.names[i]}: history, targets and the projection over the plan years; {better} is better.")


def figure_by_name(ctx: SiteContext, name: str) -> Figure:
    """The figure of a canonical chart name (charts.py)."""
    kind, what = split_name(name)
    if kind == "city-spending":
        return city_spending(ctx)
    if kind == "plan-score":
        return plan_score(ctx)
    if kind == "fund-outlook":
        return fund_outlook(ctx, what)
    if kind == "department-spending":
        return department_spending(ctx, what)
    if kind == "goal-spending":
        return goal_spending(ctx, what)
    if kind == "kpi":
        return kpi_chart(ctx, what)
    raise KeyError(name)
