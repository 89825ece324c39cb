"""The sample city's actuals sheets, in SPEC's formats: Actuals (a department workbook), Revenue
Actuals (the Finance department's workbook) and KPI Actuals (the plan)."""

from __future__ import annotations

import pandas as pd

from .actuals import period_labels
from .xlsx import Formats, table

ACTUALS_SHEET = "Actuals"
REVENUE_ACTUALS_SHEET = "Revenue Actuals"
KPI_ACTUALS_SHEET = "KPI Actuals"
#: The department whose workbook carries the city's revenue actuals (its Revenue Division collects them)
REVENUE_ACTUALS_DEPARTMENT = "Finance"


def write_actuals(wb, fm: Formats, spending: pd.DataFrame) -> None:
    """One department's spending actuals: a row per (fund, program, account class) and fiscal month
    (month 0: the whole year, a history row).

    The Account column stays blank: the sample gives actuals at the account-class level."""
    ws = wb.add_worksheet(ACTUALS_SHEET)
    headers = ["Fund", "Department", "Program", "Account", "Account class", "Period", "Amount"]
    for c, w in enumerate([26, 26, 34, 12, 22, 12, 16]):
        ws.set_column(c, c, w)
    ws.freeze_panes(1, 0)
    for c, h in enumerate(headers):
        ws.write_string(0, c, h, fm.header)
    periods = period_labels(spending["fiscal_year"], spending["month"], "month").where(
        spending["month"] > 0, "FY" + spending["fiscal_year"].astype(str))  # month 0: a whole-year row
    data = zip(spending["fund"], spending["department"], spending["program"], spending["account_class"],
               periods, spending["amount"].tolist())
    for r, (fund, dept, program, cls, period, amount) in enumerate(data, start=1):
        ws.write_string(r, 0, fund)
        ws.write_string(r, 1, dept)
        ws.write_string(r, 2, program)
        ws.write_string(r, 4, cls)
        ws.write_string(r, 5, period)
        ws.write_number(r, 6, amount, fm.cents)


def write_revenue_actuals(wb, fm: Formats, revenue: pd.DataFrame) -> None:
    """The city's revenue collections by fund, source and quarter."""
    ws = wb.add_worksheet(REVENUE_ACTUALS_SHEET)
    periods = period_labels(revenue["fiscal_year"], revenue["quarter"], "quarter")
    rows = zip(revenue["fund"], revenue["source"], periods, revenue["amount"].tolist())
    table(ws, fm, 0, ["Fund", "Source", "Period", "Amount"], rows, [None, None, None, fm.cents], [28, 38, 12, 16])


def write_kpi_actuals(wb, fm: Formats, kpis: pd.DataFrame) -> None:
    """KPI actuals: the prior years' yearly values and the year in execution's quarters."""
    ws = wb.add_worksheet(KPI_ACTUALS_SHEET)
    periods = period_labels(kpis["fiscal_year"], kpis["quarter"], "quarter")
    rows = zip(kpis["kpi_id"], periods, kpis["value"].tolist())
    table(ws, fm, 0, ["KPI ID", "Period", "Value"], rows, [None, None, fm.number], [8, 12, 12])

