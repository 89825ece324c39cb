"""One department's budget workbook of the sample city: Line Items, Positions, Requests and Actuals
(and, in the Finance department's workbook, the city's Revenue Actuals)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..atomic import atomic_path
from . import names as S
from .actuals_sheets import REVENUE_ACTUALS_DEPARTMENT, write_actuals, write_revenue_actuals
from .city import SampleCity
from .lines import AMOUNT_KEYS
from .names import PLAN_YEARS, Y1
from .xlsx import Formats, cell, table, workbook

#: Amount headers of a department workbook by style: (FY2024 Actual, FY2025 Actual, FY2026 Adopted, FY2027 Requested)
HEADER_STYLES = {
    "standard": ("FY2024 Actual", "FY2025 Actual", "FY2026 Adopted", "FY2027 Requested"),
    "range": ("FY 2023-24 Actual", "FY 2024-25 Actual", "FY 2025-26 Adopted", "FY 2026-27 Requested"),
    "short": ("FY24 Actual", "FY25 Actual", "FY26 Adopted", "FY27 Requested"),
    "proposed": ("FY2024 Actual", "FY2025 Actual", "FY2026 Adopted", "FY2027 Proposed"),
}


def write_department(path: Path, dept: S.Department, city: SampleCity) -> None:
    lines = city.lines[city.lines["department"] == dept.name]
    amount_headers = HEADER_STYLES[dept.header_style]
    with atomic_path(path) as tmp:
        wb = workbook(tmp, constant_memory=True)
        fm = Formats(wb)

        ws = wb.add_worksheet("Line Items")
        for c, w in enumerate([26, 26, 34, 42, 22, 10, 16, 16, 16, 16]):
            ws.set_column(c, c, w)
        ws.write_string(0, 0, f"City of {S.CITY} \u2014 {dept.name} Department FY{Y1} Budget Request", fm.title)
        ws.write_string(1, 0, "Line-item budget by fund, program and account. Amounts in dollars. "
                              "Requested = the department's submission to the Office of Management and Budget.", fm.note)
        top = 3
        headers = ["Fund", "Department", "Program", "Account", dept.class_header, "Recurring", *amount_headers]
        ws.freeze_panes(top + 1, 3)
        for c, h in enumerate(headers):
            ws.write_string(top, c, h, fm.header)
        r = top + 1
        data = lines[["fund", "department", "program", "account", "account_class", "recurring", *AMOUNT_KEYS]]
        for row in data.itertuples(index=False):
            for c in range(6):
                ws.write_string(r, c, row[c])
            cell(ws, r, 6, row[6], fm.cents)
            cell(ws, r, 7, row[7], fm.cents)
            cell(ws, r, 8, row[8], fm.money)
            cell(ws, r, 9, row[9], fm.money)
            r += 1
        ws.write_string(r, 0, f"Total {dept.name}", fm.total_label)
        for c, key in enumerate(AMOUNT_KEYS, start=6):
            ws.write_number(r, c, round(float(lines[key].sum()), 2), fm.total)

        ws = wb.add_worksheet("Positions")
        pos = city.positions[city.positions["department"] == dept.name]
        table(ws, fm, 0, ["Department", "Program", "Position", "FTE", "Cost per FTE"],
               pos.itertuples(index=False), [None, None, None, fm.fte, fm.money], [26, 34, 32, 8, 14])

        ws = wb.add_worksheet("Requests")
        req = city.requests[city.requests["department"] == dept.name]
        ws.write_string(0, 0, f"{dept.name} \u2014 budget requests (decision packages) for FY{Y1}\u2013FY{Y1 + 4}", fm.title)
        headers = ["Request ID", "Department", "Program", "Fund", "Title", "Type", "Account class", "Recurring",
                   *[f"Cost FY{y}" for y in PLAN_YEARS], "FTE", "Justification", "KPI ID", "Rank"]
        formats = [None] * 8 + [fm.money] * 5 + [fm.fte, fm.wrap, None, None]
        table(ws, fm, 2, headers, req.itertuples(index=False), formats,
               [14, 24, 30, 26, 44, 13, 20, 10, 13, 13, 13, 13, 13, 7, 60, 9, 6])

        if city.actuals is not None:
            spending = city.actuals.spending
            mine = spending[spending["department"] == dept.name]
            if city.history is not None:  # the history's whole-year rows come first (month 0 = the whole year)
                older = city.history.spending
                mine = pd.concat([older[older["department"] == dept.name].assign(month=0), mine], ignore_index=True)
            write_actuals(wb, fm, mine)
            if dept.name == REVENUE_ACTUALS_DEPARTMENT:
                write_revenue_actuals(wb, fm, city.actuals.revenue)
        wb.close()

