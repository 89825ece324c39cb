"""The sample city's plan workbook: Settings, Goals, Objectives, KPIs, Drivers, Revenue, Assumptions, Funds,
KPI Actuals."""

from __future__ import annotations

from pathlib import Path

from ..atomic import atomic_path
from . import names as S
from .actuals_sheets import write_kpi_actuals
from .city import SampleCity
from .kpis import baseline_fy, kpi_targets
from .names import PLAN_YEARS, Y0, Y1
from .xlsx import Formats, table, workbook


def write_plan(path: Path, city: SampleCity) -> None:
    with atomic_path(path) as tmp:
        wb = workbook(tmp)
        fm = Formats(wb)

        ws = wb.add_worksheet("Settings")
        table(ws, fm, 0, ["Key", "Value"],
               [("City", S.CITY), ("First plan year", Y1), ("Fiscal year start month", 5),
                ("Default cost per FTE", S.DEFAULT_COST_PER_FTE)],
               [None, None], [26, 28])

        ws = wb.add_worksheet("Goals")
        table(ws, fm, 0, ["Goal ID", "Goal", "Weight"], S.GOALS, [None, None, fm.number], [9, 40, 8])

        ws = wb.add_worksheet("Objectives")
        table(ws, fm, 0, ["Objective ID", "Goal ID", "Objective"], S.OBJECTIVES, [None, None, None], [12, 9, 70])

        ws = wb.add_worksheet("KPIs")
        past = city.history.targets if city.history is not None else {}
        past_years = sorted({y for t in past.values() for y in t})  # targets of the history's years
        years = past_years + PLAN_YEARS
        headers = ["KPI ID", "Name", "Goal ID", "Objective ID", "Unit", "Direction", "Baseline", "Baseline FY",
                   "Trend %", *[f"Target FY{y}" for y in years], "Minimum", "Maximum", "Weight", "Department"]
        rows = []
        for k in S.KPIS:
            t = {**past.get(k.kpi_id, {}), **kpi_targets(k)}
            rows.append((k.kpi_id, k.name, k.goal, k.objective, k.unit, k.direction, k.baseline, baseline_fy(k),
                         k.trend, *[t.get(y) for y in years], k.minimum, k.maximum, k.weight, k.department))
        formats = [None] * 6 + [fm.number, None, fm.rate] + [fm.number] * len(years) + [fm.number, fm.number,
                                                                                        fm.number, None]
        table(ws, fm, 0, headers, rows, formats, [8, 52, 8, 12, 26, 16, 11, 11, 9, *[12] * len(years), 10, 10, 8, 32])

        ws = wb.add_worksheet("Drivers")
        rows = []
        for k in S.KPIS:
            for dept, program, el, lag, cap in k.drivers:
                rows.append((k.kpi_id, dept, program, el, lag, cap, round(el * 0.5, 4), round(el * 1.5, 4)))
        table(ws, fm, 0, ["KPI ID", "Department", "Program", "Elasticity", "Lag", "Max effect %",
                           "Elasticity low", "Elasticity high"], rows,
               [None, None, None, None, None, fm.rate, None, None], [8, 32, 34, 11, 6, 13, 14, 14])

        ws = wb.add_worksheet("Revenue")
        headers = ["Fund", "Source", "Recurring", f"FY{Y0 - 2} Actual", f"FY{Y0 - 1} Actual", f"FY{Y0} Adopted",
                   f"FY{Y0} Estimate", f"FY{Y1} Projected", "Growth %"]
        rev = city.revenue[["fund", "source", "recurring", "a2024", "a2025", "adopted", "estimate", "projected", "growth"]]
        table(ws, fm, 0, headers, rev.itertuples(index=False),
               [None, None, None, fm.cents, fm.cents, fm.money, fm.money, fm.money, fm.rate],
               [28, 38, 10, 16, 16, 16, 16, 16, 10])

        ws = wb.add_worksheet("Assumptions")
        rows = [(c, *[g / 100 for g in S.GROWTH[c]]) for c in S.GROWTH]
        table(ws, fm, 0, ["Account class", *[f"FY{y}" for y in PLAN_YEARS]], rows,
               [None] + [fm.pct] * 5, [22, 10, 10, 10, 10, 10])

        ws = wb.add_worksheet("Funds")
        funds = city.funds[["fund", "fund_name", "beginning_balance", "floor", "target", "ceiling"]]
        table(ws, fm, 0, ["Fund", "Fund name", "Beginning balance", "Reserve floor %", "Reserve target %",
                           "Reserve ceiling %"], funds.itertuples(index=False),
               [None, None, fm.money, fm.rate, fm.rate, fm.rate], [28, 44, 18, 14, 14, 14])

        if city.actuals is not None:
            write_kpi_actuals(wb, fm, city.actuals.kpis)
        wb.close()

