"""Datasets for the engine tests and benchmark, built directly (no workbooks).

- `build_dataset(...)`: a small hand-made dataset from plain Python lists (for hand-computed tests).
- `synthetic_dataset(n_lines, ...)`: a realistic random city of any size (1M lines in seconds).
- `synthetic_scenario(dataset, n_rules, seed)`: a mixed scenario (percent/amount/fte, revenue, ranges).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kcplanner.dataset import (ACCOUNT_CLASSES, Budget, Dataset, Plan, PlanSettings, amounts_frame, empty_frame,
                               DRIVER_COLUMNS, FUND_COLUMNS, GOAL_COLUMNS, KPI_COLUMNS, LINE_ITEM_KEYS,
                               POSITION_COLUMNS, REQUEST_COLUMNS, REVENUE_KEYS, SOURCE_COLUMNS)
from kcplanner.scenario import Rule, Scenario, Target


def _amounts(rows: list[dict], key: str = "amounts") -> pd.DataFrame:
    cols = sorted({c for r in rows for c in r.get(key, {})})
    frame = amounts_frame(len(rows), cols)
    for i, r in enumerate(rows):
        for c, v in r.get(key, {}).items():
            frame.iloc[i, cols.index(c)] = v
    return frame


def _table(rows: list[dict], columns: list[str], defaults: dict[str, Any] | None = None) -> pd.DataFrame:
    defaults = defaults or {}
    if not rows:
        return empty_frame(columns)
    data = {c: [r.get(c, defaults.get(c)) for r in rows] for c in columns}
    return pd.DataFrame(data)


def build_dataset(lines: list[dict] = (), revenue: list[dict] = (), funds: list[dict] = (),
                  assumptions: dict[str, dict[int, float]] | None = None, positions: list[dict] = (),
                  requests: list[dict] = (), goals: list[dict] = (), kpis: list[dict] = (), drivers: list[dict] = (),
                  targets: dict[str, dict[int, float]] | None = None, first_plan_year: int | None = 2027,
                  default_cost_per_fte: float | None = None, unify: bool = True) -> Dataset:
    """A dataset from plain lists.  Lines: {fund, department, program, account_class, recurring,
    amounts: {(year, phase): value}}; revenue: {fund, source, recurring, growth, amounts}; requests:
    {request_id, ..., costs: {year: value}}; kpis: {kpi_id, baseline, ...}."""
    lines, revenue = list(lines), list(revenue)
    li = _table(lines, LINE_ITEM_KEYS + SOURCE_COLUMNS,
                {"account": "acct", "account_class": "Other", "recurring": True})
    if len(lines):
        li["account"] = [r.get("account", f"acct{i}") for i, r in enumerate(lines)]
    rv = _table(revenue, REVENUE_KEYS + SOURCE_COLUMNS, {"recurring": True, "growth": 0.0})
    rq = _table(list(requests), REQUEST_COLUMNS + SOURCE_COLUMNS,
                {"type": "Enhancement", "account_class": "Other", "recurring": True, "title": "request"})
    costs = pd.DataFrame({y: [r.get("costs", {}).get(y, np.nan) for r in requests]
                          for y in sorted({y for r in requests for y in r.get("costs", {})})},
                         index=pd.Index([r["request_id"] for r in requests], name="request_id"))
    kp = _table(list(kpis), KPI_COLUMNS, {"direction": 1, "weight": 1.0, "trend": 0.0, "minimum": np.nan,
                                          "maximum": np.nan, "baseline_fy": pd.NA, "goal_id": "G1"})
    if len(kp):
        kp["baseline_fy"] = pd.array(kp["baseline_fy"], dtype="Int64")
    dr = _table(list(drivers), DRIVER_COLUMNS, {"lag": 0, "max_effect": np.nan})
    if len(dr):
        dr["elasticity_low"] = [d.get("elasticity_low", d["elasticity"]) for d in drivers]
        dr["elasticity_high"] = [d.get("elasticity_high", d["elasticity"]) for d in drivers]
    targets = targets or {}
    kt = pd.DataFrame({y: [targets.get(k["kpi_id"], {}).get(y, np.nan) for k in kpis]
                       for y in sorted({y for t in targets.values() for y in t})},
                      index=pd.Index([k["kpi_id"] for k in kpis], name="kpi_id"))
    assumptions = assumptions or {}
    years = sorted({y for a in assumptions.values() for y in a})
    asm = pd.DataFrame({y: [assumptions[c].get(y, np.nan) for c in assumptions] for y in years},
                       index=pd.Index(list(assumptions), name="account_class"))
    plan = Plan(settings=PlanSettings(first_plan_year=first_plan_year, default_cost_per_fte=default_cost_per_fte),
                goals=_table(list(goals) or [{"goal_id": "G1", "goal": "Goal", "weight": 1.0}], GOAL_COLUMNS,
                             {"weight": 1.0}),
                kpis=kp, kpi_targets=kt, drivers=dr, revenue=rv, revenue_amounts=_amounts(revenue),
                assumptions=asm, funds=_table(list(funds), FUND_COLUMNS,
                                              {"beginning_balance": 0.0, "reserve_floor": np.nan,
                                               "reserve_target": np.nan, "reserve_ceiling": np.nan}))
    budget = Budget(line_items=li, amounts=_amounts(lines), positions=_table(list(positions), POSITION_COLUMNS),
                    requests=rq, request_costs=costs)
    ds = Dataset(plan=plan, budget=budget)
    return ds.unify() if unify else ds


# -- synthetic cities ----------------------------------------------------------------------------

def synthetic_dataset(n_lines: int = 2_000, n_departments: int = 20, n_programs: int = 150, n_funds: int = 10,
                      n_kpis: int = 200, n_drivers: int = 400, n_requests: int = 40, n_revenue: int = 120,
                      seed: int = 0, y1: int = 2027, zero_share: float = 0.02) -> Dataset:
    """A random city: departments own programs; lines spread over funds, classes and programs."""
    rng = np.random.default_rng(seed)
    years = list(range(y1, y1 + 5))
    y0 = y1 - 1
    funds = ["General Fund"] + [f"Fund {j:02d}" for j in range(1, n_funds)]
    depts = [f"Department {j:02d}" for j in range(n_departments)]
    progs = [f"Program {j:03d}" for j in range(n_programs)]
    prog_dept = np.concatenate([np.arange(n_departments), rng.integers(0, n_departments, n_programs - n_departments)])
    classes = list(ACCOUNT_CLASSES)
    n = n_lines
    lp = rng.integers(0, n_programs, n)
    ld = prog_dept[lp]
    lf = np.where(rng.random(n) < 0.5, 0, rng.integers(0, n_funds, n))
    lc = rng.choice(len(classes), n, p=[0.4, 0.2, 0.12, 0.08, 0.05, 0.05, 0.1])
    rec = rng.random(n) > 0.08
    li = pd.DataFrame({
        "fund": pd.Categorical.from_codes(lf, funds), "department": pd.Categorical.from_codes(ld, depts),
        "program": pd.Categorical.from_codes(lp, progs), "account": pd.Series(lc).map(lambda c: f"5{c}00"),
        "account_class": pd.Categorical.from_codes(lc, classes), "recurring": rec,
        "source_file": "synthetic.xlsx", "source_sheet": "Line Items", "source_row": np.arange(n) + 2})
    base = np.exp(rng.normal(10.5, 1.3, n)).round(2)
    base[rng.random(n) < zero_share] = 0.0
    phase_pick = rng.random(n)
    cols = [(y0 - 1, "Actual"), (y0, "Adopted"), (y1, "Requested")]
    amt = np.full((n, 3), np.nan)
    amt[:, 0] = np.where(phase_pick < 0.9, (base * rng.uniform(0.9, 1.05, n)).round(2), np.nan)
    amt[:, 1] = np.where(phase_pick < 0.8, base, np.nan)
    amt[:, 2] = np.where(phase_pick < 0.5, (base * rng.uniform(1.0, 1.08, n)).round(2), np.nan)
    amounts = pd.DataFrame(amt, columns=pd.MultiIndex.from_tuples(cols, names=["fiscal_year", "phase"]))
    asm = pd.DataFrame(rng.uniform(0.0, 0.04, (len(classes), 5)).round(4), columns=years,
                       index=pd.Index(classes, name="account_class"))
    npos = n_programs * 4
    pp = rng.integers(0, n_programs, npos)
    positions = pd.DataFrame({
        "department": pd.Categorical.from_codes(prog_dept[pp], depts), "program": pd.Categorical.from_codes(pp, progs),
        "position": [f"Position {j}" for j in range(npos)], "fte": rng.choice([0.5, 1.0, 2.0, 3.0], npos),
        "cost_per_fte": np.where(rng.random(npos) < 0.85, rng.uniform(55_000, 110_000, npos).round(0), np.nan)})
    # revenue
    rf = np.concatenate([np.arange(n_funds), rng.integers(0, n_funds, n_revenue - n_funds)])
    sources = [f"Source {j:03d}" for j in range(n_revenue)]
    rv = pd.DataFrame({"fund": pd.Categorical.from_codes(rf, funds), "source": pd.Categorical(sources),
                       "recurring": rng.random(n_revenue) > 0.1, "growth": rng.uniform(0, 0.03, n_revenue).round(4),
                       "source_file": "plan.xlsx", "source_sheet": "Revenue", "source_row": np.arange(n_revenue) + 2})
    exp_by_fund = np.bincount(lf, weights=base, minlength=n_funds)
    share = rng.uniform(0.5, 1.5, n_revenue)
    share = share / np.bincount(rf, weights=share, minlength=n_funds)[rf]
    rbase = exp_by_fund[rf] * share * 1.02
    rcols = [(y0 - 1, "Actual"), (y0, "Adopted"), (y0, "Estimate"), (y1, "Projected"), (y1 + 1, "Projected")]
    ramt = np.full((n_revenue, len(rcols)), np.nan)
    ramt[:, 0] = rbase * 0.97
    ramt[:, 1] = np.where(rng.random(n_revenue) < 0.8, rbase, np.nan)
    ramt[:, 2] = np.where(rng.random(n_revenue) < 0.5, rbase * 1.01, np.nan)
    ramt[:, 3] = np.where(rng.random(n_revenue) < 0.3, rbase * 1.03, np.nan)
    ramt[:, 4] = np.where(rng.random(n_revenue) < 0.2, rbase * 1.05, np.nan)
    revenue_amounts = pd.DataFrame(ramt, columns=pd.MultiIndex.from_tuples(rcols, names=["fiscal_year", "phase"]))
    fundsheet = pd.DataFrame({"fund": pd.Categorical(funds), "fund_name": funds,
                              "beginning_balance": (exp_by_fund * rng.uniform(0.02, 0.3, n_funds)).round(2),
                              "reserve_floor": np.where(np.arange(n_funds) < n_funds - 2, 0.08, np.nan),
                              "reserve_target": np.where(np.arange(n_funds) < n_funds - 2, 0.12, np.nan),
                              "reserve_ceiling": np.where(np.arange(n_funds) < n_funds - 3, 0.25, np.nan)})
    # requests
    qp = rng.integers(0, n_programs, n_requests)
    types = rng.choice(["Enhancement", "Reduction", "New program", "Capital"], n_requests, p=[0.55, 0.2, 0.1, 0.15])
    rq = pd.DataFrame({
        "request_id": [f"REQ-{j:03d}" for j in range(n_requests)],
        "department": pd.Categorical.from_codes(prog_dept[qp], depts), "program": pd.Categorical.from_codes(qp, progs),
        "fund": pd.Categorical.from_codes(rng.integers(0, n_funds, n_requests), funds),
        "title": [f"Request {j}" for j in range(n_requests)], "type": types,
        "account_class": pd.Categorical.from_codes(rng.integers(0, len(classes), n_requests), classes),
        "recurring": types != "Capital", "fte": rng.integers(0, 5, n_requests).astype(float),
        "justification": "", "kpi_id": None, "rank": np.arange(n_requests, dtype=float) + 1,
        "source_file": "dept.xlsx", "source_sheet": "Requests", "source_row": np.arange(n_requests) + 2})
    rc = rng.uniform(20_000, 900_000, (n_requests, 5)).round(2)
    rc[rng.random((n_requests, 5)) < 0.15] = np.nan
    request_costs = pd.DataFrame(rc, columns=years, index=pd.Index(rq["request_id"], name="request_id"))
    # goals, KPIs, drivers
    n_goals = 6
    goals = pd.DataFrame({"goal_id": [f"G{j}" for j in range(n_goals)], "goal": [f"Goal {j}" for j in range(n_goals)],
                          "weight": rng.choice([1.0, 1.0, 2.0, 0.5], n_goals)})
    kd = rng.integers(0, n_departments, n_kpis)
    direction = rng.choice([1, -1], n_kpis)
    kbase = rng.uniform(10, 1000, n_kpis).round(2)
    kpis = pd.DataFrame({
        "kpi_id": [f"K{j:03d}" for j in range(n_kpis)], "name": [f"KPI {j}" for j in range(n_kpis)],
        "goal_id": [f"G{j % n_goals}" for j in range(n_kpis)], "objective_id": None, "unit": "count",
        "direction": direction, "baseline": kbase,
        "baseline_fy": pd.array(np.where(rng.random(n_kpis) < 0.3, y0 - 1, y0), dtype="Int64"),
        "trend": rng.uniform(-0.02, 0.03, n_kpis).round(4),
        "minimum": np.where(rng.random(n_kpis) < 0.3, kbase * 0.95, np.nan),
        "maximum": np.where(rng.random(n_kpis) < 0.3, kbase * 1.04, np.nan),
        "weight": rng.choice([1.0, 2.0, 0.5], n_kpis), "department": pd.Categorical.from_codes(kd, depts)})
    tgt = kbase[:, None] * (1 + direction[:, None] * rng.uniform(-0.03, 0.06, (n_kpis, 5)))
    tgt[rng.random((n_kpis, 5)) < 0.2] = np.nan
    kpi_targets = pd.DataFrame(tgt, columns=years, index=pd.Index(kpis["kpi_id"], name="kpi_id"))
    dk = np.concatenate([np.arange(n_kpis), rng.integers(0, n_kpis, max(0, n_drivers - n_kpis))])[:n_drivers]
    dprog = rng.integers(0, n_programs, n_drivers)
    whole = rng.random(n_drivers) < 0.25
    el = rng.uniform(-0.3, 0.8, n_drivers).round(3)
    drivers = pd.DataFrame({
        "kpi_id": [f"K{j:03d}" for j in dk], "department": pd.Categorical.from_codes(prog_dept[dprog], depts),
        "program": pd.Categorical.from_codes(np.where(whole, -1, dprog), progs),
        "elasticity": el, "lag": rng.choice([0, 0, 1, 2], n_drivers),
        "max_effect": np.where(rng.random(n_drivers) < 0.5, rng.uniform(0.02, 0.2, n_drivers).round(3), np.nan),
        "elasticity_low": el * 0.5, "elasticity_high": el * 1.5})
    plan = Plan(settings=PlanSettings(city="Synthetic City", first_plan_year=y1, default_cost_per_fte=80_000.0),
                goals=goals, kpis=kpis, kpi_targets=kpi_targets, drivers=drivers, revenue=rv,
                revenue_amounts=revenue_amounts, assumptions=asm, funds=fundsheet)
    budget = Budget(line_items=li, amounts=amounts, positions=positions, requests=rq, request_costs=request_costs)
    return Dataset(plan=plan, budget=budget)


def synthetic_scenario(dataset: Dataset, n_rules: int = 50, seed: int = 1, n_funded: int = 15) -> Scenario:
    """Mixed rules (percent, amount, fte; department/program/class/fund/revenue targets; year ranges)."""
    rng = np.random.default_rng(seed)
    li = dataset.budget.line_items
    y1 = dataset.first_plan_year
    ps = li[li["account_class"].astype(str) == "Personnel Services"]
    pairs = li[["department", "program"]].astype(str).drop_duplicates().to_numpy()
    ps_pairs = ps[["department", "program"]].astype(str).drop_duplicates().to_numpy()
    funds = sorted(li["fund"].astype(str).unique())
    sources = list(dataset.plan.revenue["source"].astype(str))
    rules = []
    for j in range(n_rules):
        pick = j % 10
        start = int(y1 + rng.integers(0, 3)) if rng.random() < 0.4 else None
        end = int(start + rng.integers(0, 3)) if start is not None and rng.random() < 0.5 else None
        d, p = pairs[rng.integers(len(pairs))]
        if pick in (0, 1, 2):
            rules.append(Rule(f"r{j} dept %", Target(department=d), "percent", round(float(rng.uniform(-8, 8)), 2), start, end))
        elif pick in (3, 4):
            rules.append(Rule(f"r{j} prog $", Target(department=d, program=p), "amount",
                              round(float(rng.uniform(-2e5, 4e5)), 0), start, end))
        elif pick == 5:
            dp, pp = ps_pairs[rng.integers(len(ps_pairs))]
            rules.append(Rule(f"r{j} fte", Target(department=dp, program=pp), "fte", float(rng.integers(1, 6)), start, end))
        elif pick == 6:
            rules.append(Rule(f"r{j} class %", Target(account_class=str(rng.choice(["Commodities", "Contractual Services"]))),
                              "percent", round(float(rng.uniform(-5, 5)), 2), start, end))
        elif pick == 7:
            rules.append(Rule(f"r{j} fund+class $", Target(fund=funds[0], account_class="Personnel Services"), "amount",
                              round(float(rng.uniform(-1e6, 1e6)), 0), start, end))
        elif pick == 8:
            rules.append(Rule(f"r{j} revenue %", Target(revenue_source=sources[rng.integers(len(sources))]), "percent",
                              round(float(rng.uniform(-5, 5)), 2), start, end))
        else:
            rules.append(Rule(f"r{j} revenue $", Target(revenue_source=sources[rng.integers(len(sources))]), "amount",
                              round(float(rng.uniform(-1e5, 1e5)), 0), start, end))
    ids = list(dataset.budget.requests["request_id"])
    funded = [ids[k] for k in rng.choice(len(ids), min(n_funded, len(ids)), replace=False)] if ids else []
    return Scenario(name=f"synthetic {n_rules} rules", rules=tuple(rules), funded_requests=tuple(funded))
