"""Which council goal each dollar serves, for "where the money goes" and the CSV's `goal` column.

A line item's goal is, in this order (docs/publish.md):
1. its Goal column (an optional Line Items column: a Goal ID or a goal's name), where the budget gives one;
2. else its program's goal through the plan's Drivers: the goals of the KPIs its program drives, else
   of the KPIs its whole department drives, else of the KPIs whose Department is its department;
   where these name several goals, the one named most often (ties: the plan's goal order);
3. else none (the site shows it as "No goal named").
A funded request's goal is its KPI's goal, else its program's.  Each dollar counts under one goal only,
so the goals add up to the city's total.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..dataset import Dataset
from .names import name_key

NO_GOAL = "No goal named"


def goal_lookup(dataset: Dataset) -> dict[str, str]:
    """Goal ID or name (matching key) → the goal's name."""
    g = dataset.plan.goals
    out = {name_key(n): str(n) for n in g["goal"]}
    out.update({name_key(i): str(n) for i, n in zip(g["goal_id"], g["goal"])})
    return out


def kpi_goals(dataset: Dataset) -> dict[str, str]:
    """KPI ID (matching key) → its goal's name (KPIs without a goal are left out)."""
    names = {name_key(i): str(n) for i, n in zip(dataset.plan.goals["goal_id"], dataset.plan.goals["goal"])}
    k = dataset.plan.kpis
    return {name_key(kid): names[name_key(gid)] for kid, gid in zip(k["kpi_id"], k["goal_id"])
            if gid is not None and gid == gid and name_key(gid) in names}


def program_goals(dataset: Dataset) -> tuple[dict[tuple[str, str], str], dict[str, str]]:
    """({(department key, program key): goal}, {department key: goal}) through the Drivers."""
    order = {g: n for n, g in enumerate(dataset.plan.goals["goal"].astype(str))}
    kg = kpi_goals(dataset)
    dr = dataset.plan.drivers
    d = pd.DataFrame({"kpi": dr["kpi_id"].astype(object).map(name_key),
                      "department": dr["department"].astype(object).map(name_key),
                      "program": dr["program"].astype(object).map(lambda p: None if p is None or p != p else name_key(p))})
    d["goal"] = d["kpi"].map(kg)
    d = d.dropna(subset=["goal"])
    by_program = _most_named(d.dropna(subset=["program"]), ["department", "program"], order)
    by_department = _most_named(d[d["program"].isna()], ["department"], order)
    k = dataset.plan.kpis
    kd = pd.DataFrame({"department": k["department"].astype(object), "kpi": k["kpi_id"].astype(object).map(name_key)})
    kd = kd.dropna(subset=["department"])
    kd["department"] = kd["department"].map(name_key)
    kd["goal"] = kd["kpi"].map(kg)
    for dept, goal in _most_named(kd.dropna(subset=["goal"]), ["department"], order).items():
        by_department.setdefault(dept, goal)
    return by_program, by_department


def _most_named(frame: pd.DataFrame, keys: list[str], order: dict[str, int]) -> dict:
    if frame.empty:
        return {}
    counts = frame.groupby(keys + ["goal"]).size().rename("n").reset_index()
    counts["rank"] = counts["goal"].map(order).fillna(len(order))
    counts = counts.sort_values(keys + ["n", "rank"], ascending=[True] * len(keys) + [False, True])
    first = counts.drop_duplicates(keys)
    index = [tuple(r) for r in first[keys].to_numpy()] if len(keys) > 1 else list(first[keys[0]])
    return dict(zip(index, first["goal"]))


def goals_of(departments: pd.Series, programs: pd.Series, given: pd.Series | None, dataset: Dataset) -> np.ndarray:
    """The goal of each row (department, program, the Goal column where given), NO_GOAL where none."""
    by_program, by_department = program_goals(dataset)
    pairs = pd.DataFrame({"d": _keys(departments), "p": _keys(programs)})
    codes, uniques = pd.factorize(pd.MultiIndex.from_frame(pairs))
    lut = np.array([by_program.get((d, p), by_department.get(d, NO_GOAL)) for d, p in uniques] + [NO_GOAL],
                   dtype=object)
    out = lut[codes]
    if given is not None:
        lookup = goal_lookup(dataset)
        g_codes, g_uniques = pd.factorize(given.astype(object))
        named = np.array([lookup.get(name_key(u), str(u).strip()) for u in g_uniques] + [None], dtype=object)
        chosen = named[g_codes]
        out = np.where(g_codes >= 0, chosen, out)
    return out


def _keys(values: pd.Series) -> pd.Series:
    """`name_key` of each value, vectorized over the distinct values."""
    codes, uniques = pd.factorize(values.astype(object))
    keys = np.array([name_key(u) for u in uniques] + [""], dtype=object)
    return pd.Series(keys[codes])
