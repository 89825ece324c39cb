"""Where things are in the scenario workbook: sheet names, the Line Items and Revenue columns, the
Funds rows.  Every sheet module of the scenario workbook reads this, so the formulas of one sheet
point at the right cells of another."""

from __future__ import annotations

from dataclasses import dataclass

from ._common import col_range, sheet_ref

LINE_SHEET = "Line Items"
REVENUE_SHEET = "Revenue"
FUNDS_SHEET = "Funds"
DEPARTMENTS_SHEET = "Departments"
KPI_SHEET = "KPIs"
CHART_SHEET = "Charts"
SUMMARY_SHEET = "Summary"

#: Line Items columns: keys, then Baseline / Scenario / Change per plan year.
LINE_KEY_HEADERS = ["Fund", "Department", "Program", "Account", "Account class", "Recurring", "Line",
                    "Request ID", "Source file", "Source sheet", "Source row"]
LI_FUND, LI_DEPT, LI_REC = 0, 1, 5
LI_FIRST_AMOUNT = len(LINE_KEY_HEADERS)
REV_KEY_HEADERS = ["Fund", "Source", "Recurring"]
REV_FIRST_AMOUNT = len(REV_KEY_HEADERS)

#: Measures of each fund on the Funds sheet, in row order.
FUND_MEASURES = [
    "Beginning balance", "Revenue", "Expenditure", "Ending balance", "Reserve ratio",
    "Recurring revenue", "Recurring expenditure", "Structural balance",
    "Baseline revenue", "Baseline expenditure", "Baseline ending balance", "Change in ending balance",
]
#: Measures a fund without revenue data (SPEC "Funds", budget-only data) has no figure for.
NO_DATA_MEASURES = frozenset({"Beginning balance", "Ending balance", "Reserve ratio", "Structural balance",
                              "Baseline ending balance", "Change in ending balance"})
FUNDS_HEADER_ROW = 3
FUNDS_FIRST_YEAR_COL = 3


@dataclass
class Layout:
    years: list[int]
    labels: list[str]
    n_line_rows: int
    n_rev_rows: int

    def li_col(self, block: int, t: int) -> int:
        """Line Items column of plan year t in block 0 baseline, 1 scenario, 2 change."""
        return LI_FIRST_AMOUNT + 5 * block + t

    def rev_col(self, block: int, t: int) -> int:
        return REV_FIRST_AMOUNT + 5 * block + t

    def li_range(self, col: int) -> str:
        return f"{sheet_ref(LINE_SHEET)}!{col_range(col, 1, self.n_line_rows)}"

    def rev_range(self, col: int) -> str:
        return f"{sheet_ref(REVENUE_SHEET)}!{col_range(col, 1, self.n_rev_rows)}"

    def fund_row(self, f: int, measure: str) -> int:
        return FUNDS_HEADER_ROW + 1 + f * (len(FUND_MEASURES) + 1) + FUND_MEASURES.index(measure)
