"""The charts a story can name, and the story token that places one: `{{chart: NAME}}`.

Names are `KIND` or `KIND:WHAT`, matched ignoring case and repeated spaces:

    city-spending                     where the money goes, by goal (the first plan year)
    plan-score                        the plan score, year by year
    fund-outlook:<fund>               a fund's five-year revenue, expenditure, balance and reserve
                                      (the fund, or its Fund name from the plan's Funds sheet)
    department-spending:<department>  a department's programs over the five plan years
    goal-spending:<goal>              the departments behind a goal (goal name or ID)
    kpi:<KPI ID>                      a KPI's history, targets and projection
"""

from __future__ import annotations

import re

from ..dataset import Dataset
from . import names as N

KINDS = ("city-spending", "plan-score", "fund-outlook", "department-spending", "goal-spending", "kpi")
TOKEN = re.compile(r"\{\{\s*chart\s*:\s*(.+?)\s*\}\}", re.IGNORECASE)


def chart_token(name: str) -> str:
    """The markdown that places chart `name` in a story."""
    return "{{chart: " + name + "}}"


def available_charts(dataset: Dataset) -> list[tuple[str, str]]:
    """(name, title) of every chart a story may name, for this dataset."""
    out = [("city-spending", "Where the money goes, by goal"), ("plan-score", "Plan score by year")]
    out += [(f"fund-outlook:{f}", f"Five-year outlook: {f}") for f in N.funds(dataset)]
    out += [(f"department-spending:{d}", f"{d}: spending by program") for d in N.departments(dataset)]
    out += [(f"goal-spending:{g}", f"{g}: the money behind the goal") for _, g in N.goals(dataset)]
    out += [(f"kpi:{k}", f"{k} {name}: history, targets and projection") for k, name in N.kpis(dataset)]
    return out


def resolve(name: str, dataset: Dataset, catalogue: dict[str, str] | None = None) -> str | None:
    """The canonical name of chart `name` (a goal may also be named by its ID), or None."""
    catalogue = catalogue if catalogue is not None else chart_catalogue(dataset)
    key = N.name_key(name)
    kind, _, what = key.partition(":")
    key = f"{kind.strip()}:{what.strip()}" if what else kind.strip()
    if key in catalogue:
        return catalogue[key]
    if kind.strip() == "goal-spending":
        for gid, goal in N.goals(dataset):
            if N.name_key(gid) == what.strip():
                return f"goal-spending:{goal}"
    if kind.strip() == "fund-outlook":  # a fund may also be named by its Funds sheet's Fund name
        f = dataset.plan.funds
        for fund, fund_name in zip(f["fund"], f["fund_name"]):
            if isinstance(fund_name, str) and N.name_key(fund_name) == what.strip():
                return catalogue.get(N.name_key(f"fund-outlook:{fund}"))
    return None


def chart_catalogue(dataset: Dataset) -> dict[str, str]:
    """Matching key → canonical name."""
    return {N.name_key(n): n for n, _ in available_charts(dataset)}


def split_name(name: str) -> tuple[str, str | None]:
    """`fund-outlook:General Fund` → ("fund-outlook", "General Fund")."""
    kind, sep, what = name.partition(":")
    return kind, (what if sep else None)
