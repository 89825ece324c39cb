"""Everything the pages share, computed once per publish from the engine's results: the scenario's
line items (lines.py), the money by goal, department and program, the page slugs and the labels."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from ..dataset import Dataset
from .goals import NO_GOAL, kpi_goals
from .lines import scenario_lines
from .names import name_key, unique_slugs
from .options import PublishOptions


@dataclass
class SiteContext:
    dataset: Dataset
    results: object
    options: PublishOptions
    story_slugs: list[tuple[str, str]] = field(default_factory=list)  # (slug, title)

    @property
    def city(self) -> str:
        """The city's name, or "the city" (mid-sentence)."""
        return self.options.city or self.dataset.plan.settings.city or "the city"

    @property
    def city_title(self) -> str:
        """The city's name at the start of a heading."""
        return self.city[:1].upper() + self.city[1:]

    @property
    def title(self) -> str:
        return self.options.title or f"{self.options.city or self.dataset.plan.settings.city or 'City'} Open Budget"

    @property
    def years(self) -> list[int]:
        return list(self.results.plan_years)

    @property
    def labels(self) -> list[str]:
        return list(self.results.year_labels)

    @property
    def y1_label(self) -> str:
        return self.labels[0]

    @property
    def prior_label(self) -> str:
        """The label of the year before the plan (`FY2025-26`)."""
        return self.label(self.years[0] - 1)

    def label(self, year: int) -> str:
        return self.dataset.plan.settings.calendar.label(int(year))

    @property
    def scenario_name(self) -> str:
        return self.results.scenario.name

    @cached_property
    def lines(self) -> pd.DataFrame:
        return scenario_lines(self.dataset, self.results)

    @cached_property
    def money_tree(self) -> pd.DataFrame:
        """goal, department, program, proposed (the first plan year), in the goals' plan order."""
        lines = self.lines
        tree = lines.groupby(["goal", "department", "program"], sort=False, observed=True)["proposed"].sum()
        tree = tree.reset_index()
        order = {g: n for n, g in enumerate(self.goal_names + [NO_GOAL])}
        tree["_g"] = tree["goal"].map(order).fillna(len(order))
        return tree.sort_values(["_g", "proposed"], ascending=[True, False], kind="stable").drop(columns="_g") \
            .reset_index(drop=True)

    @cached_property
    def goal_rows(self) -> list[tuple[str, str, float]]:
        """(goal ID, goal, weight) in the plan's order."""
        g = self.dataset.plan.goals
        return [(str(i), str(n), float(w) if w == w else 1.0) for i, n, w in zip(g["goal_id"], g["goal"], g["weight"])]

    @property
    def goal_names(self) -> list[str]:
        return [n for _, n, _ in self.goal_rows]

    @cached_property
    def departments(self) -> list[str]:
        """The departments, alphabetically (the engine's spelling)."""
        return sorted(self.results.by_department.names, key=str.casefold)

    @cached_property
    def department_slugs(self) -> dict[str, str]:
        return unique_slugs(self.departments, "department")

    @cached_property
    def goal_slugs(self) -> dict[str, str]:
        return unique_slugs(self.goal_names, "goal")

    @cached_property
    def kpi_goal(self) -> dict[str, str]:
        return kpi_goals(self.dataset)

    @cached_property
    def kpi_department(self) -> dict[str, str]:
        k = self.dataset.plan.kpis
        return {name_key(i): str(d) for i, d in zip(k["kpi_id"], k["department"].astype(object))
                if isinstance(d, str) and d.strip()}

    def department_kpis(self, department: str) -> list[int]:
        """Rows of results.kpis for the KPIs of a department: its own (the KPI's Department), then
        those its spending drives (Drivers)."""
        k = self.results.kpis
        key = name_key(department)
        own = [i for i, kid in enumerate(k.ids) if name_key(self.kpi_department.get(name_key(kid), "")) == key]
        d = k.drivers
        driven = sorted({int(d.kpi_index[j]) for j, dep in enumerate(d.departments) if name_key(dep) == key})
        return own + [i for i in driven if i not in own]

    def goal_kpis(self, goal: str) -> list[int]:
        k = self.results.kpis
        return [i for i, kid in enumerate(k.ids) if self.kpi_goal.get(name_key(kid)) == goal]

    @cached_property
    def kpi_history(self) -> dict[str, pd.Series]:
        """KPI key → its history values by fiscal year."""
        h = self.dataset.plan.kpi_history
        if not len(h):
            return {}
        keys = h["kpi_id"].astype(object).map(name_key)
        return {k: part.groupby("fiscal_year")["value"].first() for k, part in h.groupby(keys, sort=False)}

    @cached_property
    def kpi_targets(self) -> dict[str, pd.Series]:
        """KPI key → its targets by fiscal year (years with a target only)."""
        t = self.dataset.plan.kpi_targets
        return {name_key(k): t.loc[k].dropna() for k in t.index} if t.shape[1] else {}

    @cached_property
    def positions(self) -> dict[str, pd.DataFrame]:
        """Department key → its Positions rows."""
        pos = self.dataset.budget.positions
        if not len(pos):
            return {}
        keys = pos["department"].astype(object).map(name_key)
        return {k: part for k, part in pos.groupby(keys, sort=False)}

    def department_index(self, department: str) -> int:
        return self.results.by_department.names.index(department)

    def program_rows(self, department: str) -> list[int]:
        """Rows of results.by_program of a department, largest first-year amount first."""
        names = self.results.by_program.names
        rows = [i for i, (d, _p) in enumerate(names) if d == department]
        amounts = self.results.by_program.scenario[:, 0]
        return sorted(rows, key=lambda i: -float(np.nan_to_num(amounts[i])))
