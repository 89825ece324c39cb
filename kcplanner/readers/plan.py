"""The plan workbook: Settings, Goals, Objectives, KPIs, Drivers, Revenue, Assumptions, Funds.

Required sheets: Goals and KPIs (a plan without them is most likely the wrong file).
Settings and Objectives are optional.  Drivers, Revenue, Assumptions and Funds may be
missing: a warning says what the model does without them (no KPI effects, no revenue,
zero growth, zero beginning balances).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import values as V
from ..dataset import (ACCOUNT_CLASSES, DRIVER_COLUMNS, FUND_COLUMNS, GOAL_COLUMNS, KPI_COLUMNS,
                       OBJECTIVE_COLUMNS, REVENUE_KEYS, Plan, PlanSettings, amounts_frame)
from ..fiscal import REVENUE_PHASES, parse_fiscal_year, parse_prefixed_year, parse_year_phase
from ..report import ValidationReport, column_letter
from . import bounds as B
from . import common as K
from .columns import (ASSUMPTIONS, DIRECTION_ALIASES, DIRECTION_LOOKUP, DRIVERS, FUNDS, GOALS, KPIS, OBJECTIVES,
                      REVENUE, SETTINGS, SETTINGS_LOOKUP, norm)
from .table import Table, find_sheet, open_table
from .unreadable import UnreadableFile
from .workbook import open_or_report

MISSING_SHEET_NOTES = {
    "Drivers": "no KPI responds to spending",
    "Revenue": "the plan has no revenue",
    "Assumptions": "every growth rate is 0",
    "Funds": "every beginning balance is 0 and there are no reserve policies",
}


class PlanRefs:
    """Cells of the plan's references, for the cross-checks made after every file is read."""

    def __init__(self):
        self.kpis: pd.DataFrame | None = None  # kpi_id, department, _dept_cell, file, sheet
        self.drivers: pd.DataFrame | None = None
        self.kpi_keys: set[str] = set()  # every KPI ID read, rows with errors included (no cascades)


def _key(v) -> str | None:
    if v is None or (isinstance(v, float) and v != v):
        return None
    return " ".join(str(v).split()).casefold()


def duplicates(t: Table, ids: np.ndarray, keep: np.ndarray, f: str, what: str) -> None:
    """Duplicate IDs within one sheet: an error naming both cells."""
    first: dict[str, int] = {}
    j = t.fields[f]
    for i in np.flatnonzero(keep):
        k = _key(ids[i])
        if k is None:
            continue
        if k in first:
            t.cell_error(int(i), j, f"duplicate {what} {ids[i]!r}: already used in {t.cell(first[k], j)}",
                         kind="duplicate")
        else:
            first[k] = int(i)


def read_plan(path, report: ValidationReport, refs: PlanRefs | None = None) -> Plan | None:
    """Read the plan workbook; None when it cannot be opened (the report says why)."""
    refs = refs or PlanRefs()
    file = path.name
    wb = open_or_report(path, report)
    if wb is None:
        return None
    plan = Plan()
    try:
        names = wb.sheet_names
        found = {spec.name: find_sheet(names, spec) for spec in (SETTINGS, GOALS, OBJECTIVES, KPIS, DRIVERS,
                                                                  REVENUE, ASSUMPTIONS, FUNDS)}
        if not any(found.values()):
            report.error(file, "", "", f"{file} is not a plan workbook: it has none of the sheets Settings, Goals, "
                         f"Objectives, KPIs, Drivers, Revenue, Assumptions, Funds (found: {', '.join(names)})")
            return None
        for required in ("Goals", "KPIs"):
            if found[required] is None:
                spec = GOALS if required == "Goals" else KPIS
                report.error(file, "", "", f"{file} has no {required} sheet (sheet names accepted: "
                             f"{', '.join((spec.name,) + spec.aliases)}); it needs the columns "
                             f"{spec.describe_required()}")
        for name, note in MISSING_SHEET_NOTES.items():
            if found[name] is None:
                report.warning(file, "", "", f"{file} has no {name} sheet: {note}")

        def sheet(name):
            s = wb.sheet(found[name])
            return s, s

        if found["Settings"]:
            s, g = sheet("Settings")
            plan.settings = _settings(report, file, s.name, g)
        goal_ids: dict[str, str] = {}
        if found["Goals"]:
            s, g = sheet("Goals")
            plan.goals, goal_ids = _goals(report, file, s.name, g)
        obj_goal: dict[str, str] = {}
        obj_spelling: dict[str, str] = {}
        if found["Objectives"]:
            s, g = sheet("Objectives")
            plan.objectives = _objectives(report, file, s.name, g, goal_ids)
            obj_goal = {_key(o): gid for o, gid in zip(plan.objectives["objective_id"], plan.objectives["goal_id"])}
            obj_spelling = {_key(o): o for o in plan.objectives["objective_id"]}
            clash = set(obj_goal) & set(goal_ids)
            for k in sorted(clash):
                report.error(file, s.name, "", f"the ID {k!r} is both a goal and an objective; expected distinct IDs")
        if found["KPIs"]:
            s, g = sheet("KPIs")
            plan.kpis, plan.kpi_targets, refs.kpis, refs.kpi_keys = _kpis(report, file, s.name, g, goal_ids, obj_goal, obj_spelling,
                                                                          wb.percent_cells(s.name))
        kpi_ids = refs.kpi_keys
        if found["Drivers"]:
            s, g = sheet("Drivers")
            plan.drivers, refs.drivers = _drivers(report, file, s.name, g, kpi_ids, wb.percent_cells(s.name))
        if found["Revenue"]:
            s, g = sheet("Revenue")
            plan.revenue, plan.revenue_amounts = _revenue(report, file, s.name, g, wb.percent_cells(s.name))
        if found["Assumptions"]:
            s, g = sheet("Assumptions")
            plan.assumptions = _assumptions(report, file, s.name, g, wb.percent_cells(s.name))
        if found["Funds"]:
            s, g = sheet("Funds")
            plan.funds = _funds(report, file, s.name, g, wb.percent_cells(s.name))
        from .actuals import KPI_ACTUALS, read_kpi_actuals_sheet

        ka_name = find_sheet(names, KPI_ACTUALS)
        if ka_name is not None:  # the year in execution (SPEC, "Actuals and KPI actuals")
            spelled = {k: k for k in kpi_ids} | {_key(k): k for k in plan.kpis["kpi_id"]}
            plan.kpi_actuals = read_kpi_actuals_sheet(report, file, wb.sheet(ka_name), plan.settings.calendar, spelled)
    except UnreadableFile as exc:
        report.error(file, getattr(exc, "sheet", ""), getattr(exc, "cell", ""), f"{file} {exc}")
        return None
    finally:
        wb.close()
    return plan


def _settings(report, file, name, grid) -> PlanSettings:
    st = PlanSettings()
    t = open_table(report, file, name, grid, SETTINGS, what=" of Settings")
    if t is None:
        return st
    t.drop_blank_rows(K.used_columns(t))
    jk, jv = t.fields["key"], t.fields["value"]
    for i in np.flatnonzero(t.live):
        key, value = t.data[i, jk], t.data[i, jv]
        field = SETTINGS_LOOKUP.get(norm(key))
        if field is None:
            report.warning(file, name, t.cell(int(i), jk), f"unknown setting {str(key).strip()!r} ignored; expected one "
                           "of City, First plan year, Fiscal year start month, Default cost per FTE, Overspend "
                           "tolerance, Underspend tolerance, Revenue tolerance")
            t.exclude(np.arange(len(t.live)) == i, "unknown setting")
            continue
        blank = value is None or (isinstance(value, str) and not value.strip())
        if blank:
            continue
        if field == "city":
            st.city = str(value).strip()
        elif field == "first_plan_year":
            y = parse_fiscal_year(value.strip() if isinstance(value, str) else value)
            if y is None:
                t.cell_error(int(i), jv, f"expected a fiscal year such as FY2027 or 2027, found {value!r}")
            st.first_plan_year = y
        elif field == "fiscal_year_start_month":
            v, bad = V.parse_amounts([value])
            if bad[0] or not (1 <= v[0] <= 12) or not float(v[0]).is_integer():
                t.cell_error(int(i), jv, f"expected a month number 1 to 12, found {value!r}")
            else:
                st.fiscal_year_start_month = int(v[0])
        elif field == "default_cost_per_fte":
            v, bad = V.parse_amounts([value])
            if bad[0]:
                t.cell_error(int(i), jv, f"expected an amount, found {value!r}")
            elif not B.AMOUNT[0] <= v[0] <= B.AMOUNT[1] or v[0] < 0:
                t.cell_error(int(i), jv, f"expected a cost per FTE {B.describe((0.0, B.MAX_AMOUNT))}, found {value!r}")
            else:
                st.default_cost_per_fte = float(v[0])
        elif field in ("overspend_tolerance", "underspend_tolerance", "revenue_tolerance"):
            v, bad = V.parse_rates([value], header_has_percent=False)
            if bad[0] or not 0.0 <= v[0] <= 1.0:
                t.cell_error(int(i), jv, f"expected a tolerance from 0% to 100% (such as 0.5% or 0.005), "
                                         f"found {value!r}")
            else:
                setattr(st, field, float(v[0]))
    t.close()
    return st


def _goals(report, file, name, grid) -> tuple[pd.DataFrame, dict[str, str]]:
    t = open_table(report, file, name, grid, GOALS, what=" of Goals")
    if t is None:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in GOAL_COLUMNS}), {}
    used = K.used_columns(t)
    K.warn_ignored(report, t, used, 'a column of Goals')
    t.drop_blank_rows(used)
    t.flag_error_cells(used, {})
    gid = K.text(t, "goal_id", "a goal ID", True)
    goal = K.text(t, "goal", "a goal", True)
    w = K.amount(t, "weight", "a weight (a number)", bounds=B.WEIGHT, bounded="a weight")
    duplicates(t, gid, t.live & ~t.bad, "goal_id", "goal ID")
    # every goal ID read, rows with errors included: a reference to one is not a second error
    ids: dict[str, str] = {}
    for v in gid[t.live]:
        if v is not None:
            ids.setdefault(_key(v), v)
    keep = t.close()
    return pd.DataFrame({"goal_id": gid[keep], "goal": goal[keep],
                         "weight": np.where(np.isnan(w[keep]), 1.0, w[keep])}), ids


def _objectives(report, file, name, grid, goal_ids) -> pd.DataFrame:
    t = open_table(report, file, name, grid, OBJECTIVES, what=" of Objectives")
    if t is None:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in OBJECTIVE_COLUMNS})
    used = K.used_columns(t)
    K.warn_ignored(report, t, used, 'a column of Objectives')
    t.drop_blank_rows(used)
    t.flag_error_cells(used, {})
    oid = K.text(t, "objective_id", "an objective ID", True)
    gid = K.text(t, "goal_id", "a goal ID", True)
    obj = K.text(t, "objective", "an objective", True)
    duplicates(t, oid, t.live & ~t.bad, "objective_id", "objective ID")
    j = t.fields["goal_id"]
    for i in np.flatnonzero(t.live & ~t.bad):
        k = _key(gid[i])
        if k not in goal_ids:
            t.cell_error(int(i), j, f"unknown goal {gid[i]!r}; expected a Goal ID of the Goals sheet", kind="ref")
        else:
            gid[i] = goal_ids[k]
    keep = t.close()
    return pd.DataFrame({"objective_id": oid[keep], "goal_id": gid[keep], "objective": obj[keep]})


def _kpi_parent(found, row) -> bool:
    return bool({"parent_id", "goal_id", "objective_id"} & found.keys())


def _kpis(report, file, name, grid, goal_ids, obj_goal, obj_spelling=None, pct=None):
    obj_spelling = obj_spelling or {}
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in KPI_COLUMNS})
    t = open_table(report, file, name, grid, KPIS, accept=_kpi_parent, what=" of KPIs")
    if t is None:
        if open_table(ValidationReport(), file, name, grid, KPIS) is not None:
            report.error(file, name, "", "no Goal ID or Objective ID column; expected one of Goal ID or Objective ID "
                         "(or Goal or Objective, Goal/Objective ID)")
        return empty, pd.DataFrame(index=pd.Index([], name="kpi_id")), None, set()
    found = t.found  # type: ignore[attr-defined]
    taken = {j for js in found.values() for j in js}
    targets = {}
    for j, h in enumerate(t.headers):
        if j not in taken and isinstance(h, str):
            y = parse_prefixed_year(h, "Target")
            if y is not None:
                targets[j] = y
    used = K.used_columns(t, list(targets))
    K.warn_ignored(report, t, used, 'a column of KPIs (targets are headed like "Target FY2027")')
    t.drop_blank_rows(used)
    t.flag_error_cells(used, {})
    kid = K.text(t, "kpi_id", "a KPI ID", True)
    kname = K.text(t, "name", "a KPI name", True)
    parent = K.text(t, "parent_id", "")
    gcol = K.text(t, "goal_id", "")
    ocol = K.text(t, "objective_id", "")
    unit = K.text(t, "unit", "")
    direction = K.choice(t, "direction", DIRECTION_LOOKUP, {"Higher is better": DIRECTION_ALIASES[1][1:],
                                                           "Lower is better": DIRECTION_ALIASES[-1][1:]},
                         "a direction", None)
    t.require("direction", "a direction: Higher is better or Lower is better")
    baseline = K.amount(t, "baseline", "a number (the baseline)", required=True)
    bfy = K.year(t, "baseline_fy")
    trend = K.rate(t, "trend", pct, what="a trend")
    mn = K.amount(t, "minimum", "a number")
    mx = K.amount(t, "maximum", "a number")
    w = K.amount(t, "weight", "a weight (a number)", bounds=B.WEIGHT, bounded="a weight")
    dept = K.text(t, "department", "")
    tg = {y: K.amount(t, j, "a target (a number)") for j, y in targets.items()}
    duplicates(t, kid, t.live & ~t.bad, "kpi_id", "KPI ID")
    # goal / objective resolution
    goal = np.full(len(kid), None, dtype=object)
    objective = np.full(len(kid), None, dtype=object)
    pcol = next((f for f in ("parent_id", "objective_id", "goal_id") if f in t.fields), None)
    for i in np.flatnonzero(t.live & ~t.bad):
        p, g, o = parent[i], gcol[i], ocol[i]
        if p is not None:
            k = _key(p)
            if k in obj_goal:
                objective[i], goal[i] = obj_spelling.get(k, p), obj_goal[k]
            elif k in goal_ids:
                goal[i] = goal_ids[k]
            else:
                t.cell_error(int(i), t.fields["parent_id"], f"unknown goal or objective {p!r}; expected a Goal ID "
                             "of the Goals sheet or an Objective ID of the Objectives sheet", kind="ref")
                continue
        if o is not None:
            k = _key(o)
            if k in obj_goal:
                objective[i], goal[i] = obj_spelling.get(k, o), obj_goal[k]
            else:
                t.cell_error(int(i), t.fields["objective_id"],
                             f"unknown objective {o!r}; expected an Objective ID of the Objectives sheet", kind="ref")
                continue
        if g is not None:
            k = _key(g)
            if k in goal_ids:
                if goal[i] is None:
                    goal[i] = goal_ids[k]
            else:
                t.cell_error(int(i), t.fields["goal_id"],
                             f"unknown goal {g!r}; expected a Goal ID of the Goals sheet", kind="ref")
                continue
        if goal[i] is None and pcol is not None:
            t.cell_error(int(i), t.fields[pcol], "expected a Goal ID or an Objective ID, found a blank cell", kind="blank")
    all_keys = {_key(v) for v in kid[t.live] if v is not None}
    keep = t.close()
    kpis = pd.DataFrame({
        "kpi_id": kid[keep], "name": kname[keep], "goal_id": goal[keep], "objective_id": objective[keep],
        "unit": unit[keep], "direction": pd.array(direction[keep], dtype="Int64").astype(np.int64) if keep.any()
        else np.zeros(0, dtype=np.int64),
        "baseline": baseline[keep], "baseline_fy": pd.array(bfy[keep], dtype="Int64") if keep.any() else
        pd.array([], dtype="Int64"),
        "trend": trend[keep], "minimum": mn[keep], "maximum": mx[keep],
        "weight": np.where(np.isnan(w[keep]), 1.0, w[keep]), "department": dept[keep],
    })
    kt = pd.DataFrame({y: v[keep] for y, v in sorted(tg.items())}, index=pd.Index(kid[keep], name="kpi_id"))
    refs = pd.DataFrame({"kpi_id": kid[keep], "department": dept[keep], "_dept_cell": K.cells(t, keep, "department")
                         if "department" in t.fields else np.full(int(keep.sum()), "", dtype=object),
                         "file": file, "sheet": name})
    return kpis, kt, refs, all_keys


def _drivers(report, file, name, grid, kpi_ids, pct):
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in DRIVER_COLUMNS})
    t = open_table(report, file, name, grid, DRIVERS, what=" of Drivers")
    if t is None:
        return empty, None
    used = K.used_columns(t)
    K.warn_ignored(report, t, used, 'a column of Drivers')
    t.drop_blank_rows(used)
    t.flag_error_cells(used, {})
    kid = K.text(t, "kpi_id", "a KPI ID", True)
    dept = K.text(t, "department", "a department name", True)
    prog = K.text(t, "program", "")
    el = K.amount(t, "elasticity", "an elasticity (a number)", required=True, bounds=B.ELASTICITY)
    lag = K.amount(t, "lag", "a lag in years (a whole number)", bounds=B.LAG, bounded="a lag in whole years")
    jl = t.fields.get("lag")
    for i in np.flatnonzero(~np.isnan(lag) & (lag != np.round(lag)) & (lag >= B.LAG[0]) & (lag <= B.LAG[1]) & t.live):
        t.cell_error(int(i), jl, f"expected a lag in whole years (0 or more), found {lag[i]!r}")
    mxe = K.rate(t, "max_effect", pct, bounds=B.SHARE, what="a maximum effect")
    lo = K.amount(t, "elasticity_low", "an elasticity (a number)", bounds=B.ELASTICITY)
    hi = K.amount(t, "elasticity_high", "an elasticity (a number)", bounds=B.ELASTICITY)
    j = t.fields["kpi_id"]
    for i in np.flatnonzero(t.live & ~t.bad):
        if _key(kid[i]) not in kpi_ids:
            t.cell_error(int(i), j, f"unknown KPI {kid[i]!r}; expected a KPI ID of the KPIs sheet", kind="ref")
    keep = t.close()
    lag_k = np.where(np.isnan(lag[keep]), 0, lag[keep]).astype(np.int64)
    drivers = pd.DataFrame({"kpi_id": kid[keep], "department": dept[keep], "program": prog[keep],
                            "elasticity": el[keep], "lag": lag_k, "max_effect": mxe[keep],
                            "elasticity_low": np.where(np.isnan(lo[keep]), el[keep], lo[keep]),
                            "elasticity_high": np.where(np.isnan(hi[keep]), el[keep], hi[keep])})
    refs = pd.DataFrame({"department": dept[keep], "program": prog[keep],
                         "_dept_cell": K.cells(t, keep, "department"),
                         "_prog_cell": K.cells(t, keep, "program") if "program" in t.fields
                         else np.full(int(keep.sum()), "", dtype=object),
                         "file": file, "sheet": name})
    return drivers, refs


def _revenue(report, file, name, grid, pct):
    from ..dataset import SOURCE_COLUMNS

    t = open_table(report, file, name, grid, REVENUE, what=" of Revenue")
    if t is None:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in REVENUE_KEYS + SOURCE_COLUMNS}), amounts_frame(0)
    found = t.found  # type: ignore[attr-defined]
    taken = {j for js in found.values() for j in js}
    cols = {}
    for j, h in enumerate(t.headers):
        if j in taken or h is None or h == "":
            continue
        yp = parse_year_phase(h.strip() if isinstance(h, str) else h, REVENUE_PHASES)
        if yp:
            if yp in cols.values():
                report.error(file, name, f"{column_letter(j)}{t.header_row + 1}",
                             f"a second column for {yp[1]} {yp[0]}; expected one column a year and phase")
                continue
            cols[j] = yp
    used = K.used_columns(t, list(cols))
    K.warn_ignored(report, t, used, 'a column of Revenue or a year-and-phase amount such as "FY2026 Adopted"')
    t.drop_blank_rows(used)
    t.drop_subtotals(["fund", "source"])
    t.flag_error_cells(used, {j: "an amount" for j in cols})
    fund = K.text(t, "fund", "a fund name", True)
    src = K.text(t, "source", "a revenue source", True)
    rec = K.flag(t, "recurring", True)
    growth = K.rate(t, "growth", pct, what="a growth rate")
    amts = {yp: K.amount(t, j) for j, yp in cols.items()}
    keep = t.close()
    rev = pd.DataFrame({"fund": fund[keep], "source": src[keep], "recurring": rec[keep],
                        "growth": np.where(np.isnan(growth[keep]), 0.0, growth[keep]), **K.sources(t, keep)})
    order = sorted(amts)
    am = amounts_frame(int(keep.sum()), order)
    if order and keep.any():
        am[:] = np.column_stack([amts[c][keep] for c in order])
    return rev, am


def _assumptions(report, file, name, grid, pct):
    t = open_table(report, file, name, grid, ASSUMPTIONS, what=" of Assumptions")
    out = pd.DataFrame(index=pd.Index([], name="account_class"))
    if t is None:
        return out
    found = t.found  # type: ignore[attr-defined]
    taken = {j for js in found.values() for j in js}
    cols = {}
    for j, h in enumerate(t.headers):
        if j in taken or h is None or h == "":
            continue
        y = parse_fiscal_year(h.strip().rstrip("%").strip() if isinstance(h, str) else h)
        if y is not None:
            cols[j] = y
    used = K.used_columns(t, list(cols))
    K.warn_ignored(report, t, used, 'an account class or a plan year such as "FY2027"')
    t.drop_blank_rows(used)
    t.flag_error_cells(used, {})
    t.require("account_class", "an account class")
    cls = K.account_class(t, default=None)
    rates = {y: K.rate(t, j, pct, what="a growth rate") for j, y in cols.items()}
    duplicates(t, cls, t.live & ~t.bad, "account_class", "account class")
    keep = t.close()
    frame = pd.DataFrame({y: v[keep] for y, v in sorted(rates.items())},
                         index=pd.Index(cls[keep], name="account_class"))
    own = [c for c in dict.fromkeys(frame.index) if c not in ACCOUNT_CLASSES]  # a city's own classes (SPEC)
    frame = frame.reindex(list(ACCOUNT_CLASSES) + own).fillna(0.0).astype(float)
    frame.index.name = "account_class"
    return frame


def _funds(report, file, name, grid, pct):
    t = open_table(report, file, name, grid, FUNDS, what=" of Funds")
    if t is None:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in FUND_COLUMNS})
    used = K.used_columns(t)
    K.warn_ignored(report, t, used, 'a column of Funds')
    t.drop_blank_rows(used)
    t.drop_subtotals(["fund"])
    t.flag_error_cells(used, {t.fields["beginning_balance"]: "an amount"})
    fund = K.text(t, "fund", "a fund name", True)
    fname = K.text(t, "fund_name", "")
    bal = K.amount(t, "beginning_balance", "an amount (the beginning balance)", required=True)
    rates = {f: K.rate(t, f, pct, bounds=B.SHARE, what="a reserve share of spending")
             for f in ("reserve_floor", "reserve_target", "reserve_ceiling")}
    duplicates(t, fund, t.live & ~t.bad, "fund", "fund")
    keep = t.close()
    return pd.DataFrame({"fund": fund[keep], "fund_name": np.where(pd.isna(fname[keep]), fund[keep], fname[keep]),
                         "beginning_balance": bal[keep], **{f: v[keep] for f, v in rates.items()}})
