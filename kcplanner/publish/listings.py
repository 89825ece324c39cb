"""The index pages (departments, goals, stories) and the open data files with their descriptions
for data.html."""

from __future__ import annotations

from markupsafe import Markup, escape

from . import formats as F
from . import opendata as O
from .context import SiteContext

ABOUT = {
    "line-items": ("Line items", "Every line of the budget in the first plan year: one row per line item, and one per "
                   "request funded in this budget.", {
                       "year": "the fiscal year (named by the calendar year it ends in)",
                       "goal": "the council goal the line serves (its budget's Goal column, else its program's goal "
                               "through the plan's KPI drivers; empty: none)",
                       "department": "the department", "program": "the program (division, activity)",
                       "fund_name": "the fund that pays for it", "expenditure_type": "the account class",
                       "description": "the account (for a funded request: Request ID and title)",
                       "proposed": "the amount in this budget", "adopted": "the adopted amount for the year, "
                                                                          "where one was adopted"}),
    "revenue": ("Revenue", "Every revenue line of the plan in the first plan year.", {
        "year": "the fiscal year", "fund_name": "the fund it goes to", "source": "the revenue source",
        "recurring": "Y for recurring revenue (it counts toward structural balance), N for one-time",
        "proposed": "the amount in this budget", "adopted": "the adopted amount for the year, where given"}),
    "kpis": ("KPIs", "Every key performance indicator of the plan, year by year: its history, its targets and the "
             "projection under this budget.", {
                 "kpi_id": "the KPI's ID", "kpi": "its name", "goal": "the council goal it measures",
                 "department": "the department responsible", "unit": "its unit",
                 "direction": "Higher is better or Lower is better", "year": "the fiscal year",
                 "actual": "the value measured (history)", "target": "the plan's target",
                 "projected": "the projection under this budget (plan years)",
                 "met": "yes or no: whether the projection meets the target (plan years with a target)"}),
    "funds": ("Fund outlook", "Each fund's five-year outlook: revenue, expenditure, ending balance and reserve.", {
        "fund_name": "the fund", "year": "the fiscal year", "revenue": "revenue", "expenditure": "expenditure",
        "balance": "the ending balance", "reserve_ratio": "the ending balance as a fraction of the year's expenditure",
        "reserve_floor": "the reserve policy's floor (fraction)", "reserve_target": "its target (fraction)",
        "reserve_ceiling": "its ceiling (fraction)",
        "structural_balance": "recurring revenue minus recurring expenditure"}),
}


def csv_files(ctx: SiteContext):
    """[(path, maker, info maker)] of the open data CSVs; each info is read after its file is made."""
    tables = {"line-items": lambda: O.line_items_table(ctx.lines, ctx.years[0]),
              "revenue": lambda: O.revenue_table(ctx.dataset, ctx.results),
              "kpis": lambda: O.kpi_table(ctx.dataset, ctx.results),
              "funds": lambda: O.funds_table(ctx.dataset, ctx.results)}
    made: dict[str, tuple[int, int]] = {}
    out = []
    for key, table in tables.items():
        def make(key=key, table=table) -> bytes:
            t = table()
            data = O.csv_bytes(t)
            made[key] = (len(t), len(data))
            return data

        def info(key=key) -> dict:
            rows, size = made.get(key, (0, 0))
            title, about, cols = ABOUT[key]
            return {"id": f"data-{key}", "title": title, "about": about, "name": f"{key}.csv",
                    "href": f"data/{key}.csv", "rows": f"{rows:,}", "size": _size(size), "columns": list(cols.items())}
        out.append((f"data/{key}.csv", make, info))
    return out


def _size(n: int) -> str:
    return f"{n / 1e6:,.1f} MB" if n >= 1e6 else f"{max(1, round(n / 1e3)):,} kB"


def _link(href: str, text: str) -> Markup:
    return Markup(f'<a href="{escape(href)}">{escape(text)}</a>')


def department_listing(ctx: SiteContext) -> dict:
    r = ctx.results
    total = float(r.by_department.scenario[:, 0].sum())
    rows = []
    for d in ctx.departments:
        i = ctx.department_index(d)
        v = r.by_department.scenario[i, 0]
        rows.append([_link(f"{ctx.department_slugs[d]}.html", d), F.money(v), F.percent(v / total if total else None)])
    return {"heading": "Departments", "intro": f"Every department's proposed budget for {ctx.y1_label}.",
            "head": ["Department", f"Proposed, {ctx.y1_label}", "Share"], "rows": rows,
            "numeric": [False, True, True], "empty": "The budget has no department."}


def goal_listing(ctx: SiteContext) -> dict:
    tree = ctx.money_tree
    by_goal = tree.groupby("goal", sort=False)["proposed"].sum()
    rows = [[_link(f"{ctx.goal_slugs[g]}.html", g), F.money(by_goal.get(g, 0.0)), str(len(ctx.goal_kpis(g)))]
            for g in ctx.goal_names]
    return {"heading": "Goals", "intro": f"The council's goals, the money behind each in {ctx.y1_label} and the KPIs "
                                         "that measure them.",
            "head": ["Goal", f"Proposed, {ctx.y1_label}", "KPIs"], "rows": rows, "numeric": [False, True, True],
            "empty": "The plan has no goals."}


def story_listing(stories) -> dict:
    rows = [[_link(f"{s.slug}.html", s.title), str(len(s.charts) or "")] for s in stories]
    return {"heading": "Stories", "intro": "What this budget means, in the budget office's words.",
            "head": ["Story", "Charts listed"], "rows": rows, "numeric": [False, True],
            "empty": "No story has been written for this budget yet."}
