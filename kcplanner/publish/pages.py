"""The values of the city page, a department page and a goal page (templates/*.html), from the
engine's results through the SiteContext; every amount is formatted by formats.py."""

from __future__ import annotations

import numpy as np

from . import figures as G
from . import formats as F
from .context import SiteContext
from .goals import NO_GOAL
from .names import name_key

#: The line-item table's columns: (key in the department's data file, heading, numeric).
def line_columns(ctx: SiteContext, with_adopted: bool) -> list[tuple[str, str, bool]]:
    cols = [("program", "Program", False), ("account", "Account", False), ("class", "Account class", False),
            ("fund", "Fund", False), ("prior", f"Adopted, {ctx.prior_label}", True),
            ("proposed", f"Proposed, {ctx.y1_label}", True)]
    if with_adopted:
        cols.append(("adopted", f"Adopted, {ctx.y1_label}", True))
    return cols


def money_tree(ctx: SiteContext, root: str = "") -> dict:
    """goal → department → program, each {"name", "value", "href", "children"}: the drillable
    "where the money goes" of the city page (values are the first plan year's, to the cent)."""
    tree = ctx.money_tree
    goals = []
    for goal, gpart in tree.groupby("goal", sort=False):
        deps = []
        for dep, dpart in gpart.groupby("department", sort=False):
            dslug = ctx.department_slugs.get(dep)
            href = f"{root}departments/{dslug}.html" if dslug else None
            programs = [{"name": p, "value": round(float(v), 2), "href": f"{href}#programs" if href else None}
                        for p, v in zip(dpart["program"], dpart["proposed"])]
            deps.append({"name": dep, "value": round(float(dpart["proposed"].sum()), 2), "href": href,
                         "children": programs})
        deps.sort(key=lambda d: -d["value"])
        gslug = ctx.goal_slugs.get(goal)
        goals.append({"name": goal, "value": round(float(gpart["proposed"].sum()), 2),
                      "href": f"{root}goals/{gslug}.html" if gslug else None, "children": deps})
    return {"name": "All goals", "value": round(float(tree["proposed"].sum()), 2), "children": goals}


def city_page(ctx: SiteContext) -> dict:
    r = ctx.results
    f = r.funds
    funds, fund_rows = [], []
    for i, name in enumerate(f.names):
        if not (np.nan_to_num(f.expenditure[i]).any() or np.nan_to_num(f.revenue[i]).any()):
            continue
        findings = [x.message for x in r.findings if x.fund == name]
        note = f"{len(findings)} policy finding{'s' if len(findings) != 1 else ''}" if findings else "no policy finding"
        funds.append({"name": name, "figure": G.fund_outlook(ctx, name), "findings": findings, "note": note,
                      "order": -float(np.nan_to_num(f.expenditure[i, 0]))})
        fund_rows.append([name, F.money(f.revenue[i, 0]), F.money(f.expenditure[i, 0]), F.money(f.balance[i, -1]),
                          F.percent(f.reserve_ratio[i, -1]), note])
    order = np.argsort([x["order"] for x in funds], kind="stable")
    funds, fund_rows = [funds[j] for j in order], [fund_rows[j] for j in order]
    checked = f.checked
    revenue = float(np.nansum(f.revenue[checked, 0])) if checked.any() else np.nan  # budget-only data: none
    score = np.asarray(r.kpis.score, dtype=float)
    return {"city": ctx.city, "city_title": ctx.city_title, "has_score": bool(np.isfinite(score).any()), "y1_label": ctx.y1_label, "last_label": ctx.labels[-1], "scenario": ctx.scenario_name,
            "total_spending": F.short_money(r.by_department.scenario[:, 0].sum()),
            "total_revenue": F.short_money(revenue), "departments": ctx.departments,
            "score": F.percent(r.kpis.score[0]), "city_figure": G.city_spending(ctx), "tree": money_tree(ctx),
            "funds": funds, "fund_rows": fund_rows, "score_figure": G.plan_score(ctx),
            "off_target": off_target(ctx),
            "department_links": [(d, f"departments/{ctx.department_slugs[d]}.html") for d in ctx.departments],
            "goal_links": [(g, f"goals/{ctx.goal_slugs[g]}.html") for g in ctx.goal_names]}


def off_target(ctx: SiteContext, rows_of: list[int] | None = None) -> list[list[str]]:
    """KPIs with a target they are projected to miss in some plan year."""
    k = ctx.results.kpis
    out = []
    for i in rows_of if rows_of is not None else range(len(k.ids)):
        miss = k.has_target[i] & ~k.met[i]
        if not miss.any():
            continue
        dep = ctx.kpi_department.get(name_key(k.ids[i]), "")
        out.append([f"{k.ids[i]} {k.names[i]}", ctx.kpi_goal.get(name_key(k.ids[i]), ""), dep,
                    ", ".join(lab for lab, m in zip(ctx.labels, miss) if m), F.number(k.scenario[i, 0]),
                    F.number(k.target[i, 0])])
    return out


def department_page(ctx: SiteContext, department: str) -> dict:
    r = ctx.results
    d = ctx.department_index(department)
    lines = ctx.lines
    mine = lines[lines["department"] == department]
    p = r.by_program
    total = r.by_department.scenario[d, 0]
    goal_of = mine.groupby("program", sort=False, observed=True)["goal"].agg(lambda g: ", ".join(dict.fromkeys(g)))
    programs, program_rows = [], []
    for i in ctx.program_rows(department):
        prog = p.names[i][1]
        v = p.scenario[i, 0]
        programs.append(prog)
        goal = goal_of.get(prog, NO_GOAL)
        program_rows.append([prog, goal, F.money(v), F.percent(v / total if total else np.nan)])
    program_rows.append(["Total", "", F.money(total), F.percent(1.0 if total else np.nan)])
    q = r.requests
    requests = [[f"{i}: {t}", pr, ty, F.money(c[0]), F.fte(_request_fte(ctx, i))]
                for i, t, dep, pr, ty, c in zip(q.ids, q.titles, q.departments, q.programs, q.types, q.costs)
                if dep == department]
    pos = ctx.positions.get(name_key(department), ctx.dataset.budget.positions.iloc[:0])
    positions = [[str(a), str(b), F.fte(c)] for a, b, c in zip(pos.get("program", []), pos.get("position", []),
                                                              pos.get("fte", []))]
    fte_total = float(pos["fte"].sum()) if len(pos) else 0.0
    if positions:
        positions.append(["Total", "", F.fte(fte_total)])
    with_adopted = bool(np.isfinite(lines["adopted"].to_numpy(dtype=float)).any())
    return {"department": department, "y1_label": ctx.y1_label, "prior_label": ctx.prior_label,
            "total": F.money(total), "prior": F.money(mine["prior"].sum(min_count=1)),
            "programs": programs, "program_rows": program_rows, "fte_total": F.fte(fte_total),
            "spending_figure": G.department_spending(ctx, department), "requests": requests,
            "kpis": [G.kpi_chart(ctx, r.kpis.ids[i]) for i in ctx.department_kpis(department)],
            "positions": positions, "slug": ctx.department_slugs[department], "line_count": f"{len(mine):,}",
            "page_size": ctx.options.page_size, "page_sizes": sorted({10, 25, 50, 100, ctx.options.page_size}),
            "line_columns": line_columns(ctx, with_adopted)}


def _request_fte(ctx: SiteContext, request_id: str) -> float:
    rq = ctx.dataset.budget.requests
    hit = rq[rq["request_id"].astype(object).map(name_key) == name_key(request_id)]
    return float(hit["fte"].iloc[0]) if len(hit) and hit["fte"].iloc[0] == hit["fte"].iloc[0] else np.nan


def goal_page(ctx: SiteContext, goal: str) -> dict:
    k = ctx.results.kpis
    tree = ctx.money_tree
    part = tree[tree["goal"] == goal]
    all_total = float(tree["proposed"].sum())
    total = float(part["proposed"].sum())
    gid = next((i for i, n, _ in ctx.goal_rows if n == goal), None)
    ob = ctx.dataset.plan.objectives
    objectives = [str(o) for g, o in zip(ob["goal_id"], ob["objective"]) if gid is not None and name_key(g) == name_key(gid)]
    rows_k = ctx.goal_kpis(goal)
    met = sum(bool(k.met[i, 0]) for i in rows_k if k.has_target[i, 0])
    with_t = sum(bool(k.has_target[i, 0]) for i in rows_k)
    part = part.sort_values("proposed", ascending=False, kind="stable")
    rows = [[d, p, F.money(v)] for d, p, v in zip(part["department"], part["program"], part["proposed"])]
    return {"goal": goal, "y1_label": ctx.y1_label, "total": F.money(total),
            "share": F.percent(total / all_total if all_total else np.nan), "objectives": objectives,
            "kpis": [G.kpi_chart(ctx, k.ids[i]) for i in rows_k], "met": f"{met} of {with_t}",
            "spending_figure": G.goal_spending(ctx, goal), "program_rows": rows}
