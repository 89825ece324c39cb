"""Empty input workbooks with every sheet and column of SPEC.md (`kcplanner template`).

`write_template(out_dir)` writes `plan-template.xlsx` and `department-template.xlsx`: each
sheet with its header row (required columns in a darker fill and a header comment), frozen
headers, column widths, dropdowns for Direction, Type, Recurring and Account class, and a
`Notes` sheet explaining each column, the aliases the readers accept and the allowed values.
The example years are those of the sample city (first plan year FY2027); rename the year
columns for another cycle.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import xlsxwriter

from .atomic import atomic_path
from .dataset import ACCOUNT_CLASSES, REQUEST_TYPES

PLAN_TEMPLATE = "plan-template.xlsx"
DEPARTMENT_TEMPLATE = "department-template.xlsx"
CREATED = datetime(2026, 1, 1)
Y1 = 2027
PLAN_YEARS = list(range(Y1, Y1 + 5))
VALIDATION_ROWS = 5000
DIRECTIONS = ("Higher is better", "Lower is better")
PERIOD_FORMS = "FY2027 Q2, FY2027 P05, FY2027 M05, FY2027, or a date (its fiscal month follows the Fiscal year start month)"
PHASES = "Line items: Actual, Adopted, Requested (aliases Submitted, Proposed). Revenue: Actual, Adopted, Estimate, Projected."

R, O = True, False  # required, optional

#: workbook -> sheet -> [(column, required, width, meaning, allowed values)]
PLAN_SHEETS: dict[str, list[tuple[str, bool, int, str, str]]] = {
    "Settings": [
        ("Key", R, 26, "The setting's name: City, First plan year, Fiscal year start month, Default cost per FTE.", ""),
        ("Value", R, 26, "The setting's value. First plan year = y1 (without it: the year after the latest Adopted amount); "
                         "Fiscal year start month defaults to 5 (May, as in Kansas City); without Default cost per FTE an "
                         "`fte` rule for a program with no costed positions is invalid.", ""),
    ],
    "Goals": [
        ("Goal ID", R, 10, "A unique ID for the goal (e.g. G1).", ""),
        ("Goal", R, 40, "The goal's name (e.g. Public Safety).", ""),
        ("Weight", O, 8, "The goal's weight in the plan score; blank = 1.", "a number"),
    ],
    "Objectives": [
        ("Objective ID", R, 13, "A unique ID for the objective (e.g. G4.1).", ""),
        ("Goal ID", R, 10, "The goal it serves (a Goal ID of the Goals sheet).", ""),
        ("Objective", R, 60, "What the objective is.", ""),
    ],
    "KPIs": [
        ("KPI ID", R, 9, "A unique ID for the KPI.", ""),
        ("Name", R, 44, "What is measured.", ""),
        ("Goal ID", R, 9, "The KPI's goal. Give the Goal ID or the Objective ID (or both); one of them is required.", ""),
        ("Objective ID", O, 12, "The KPI's objective (its goal is then the objective's goal).", ""),
        ("Unit", O, 14, "The unit of the baseline and targets (%, minutes, units…).", ""),
        ("Direction", R, 17, "Whether a higher or a lower value is better.",
         "Higher is better (higher, up, increase) / Lower is better (lower, down, decrease)"),
        ("Baseline", R, 11, "The KPI's value in the Baseline FY, in its unit.", "a number"),
        ("Baseline FY", O, 11, "The fiscal year of the baseline; blank = the year before the first plan year.", "a fiscal year"),
        ("Trend %", O, 9, "The yearly change of the KPI without any change in spending, in percent (3 = 3%).", "a rate"),
        *[(f"Target FY{y}", O, 13, f"The target for FY{y}; one column a plan year, blank = no target.", "a number")
          for y in PLAN_YEARS],
        ("Minimum", O, 10, "The smallest possible value (e.g. 0 for a percentage); projections are clamped.", "a number"),
        ("Maximum", O, 10, "The largest possible value (e.g. 100 for a percentage).", "a number"),
        ("Weight", O, 8, "The KPI's weight in the plan score; blank = 1.", "a number"),
        ("Department", O, 28, "The department responsible.", ""),
    ],
    "Drivers": [
        ("KPI ID", R, 9, "The KPI that the spending moves (a KPI ID of the KPIs sheet).", ""),
        ("Department", R, 28, "The department whose spending drives it (must appear in the line items).", ""),
        ("Program", O, 30, "The program whose spending drives it; blank = the whole department.", ""),
        ("Elasticity", R, 11, "The KPI's relative change per relative change in spending (0.3: 10% more spending "
                              "moves the KPI 3%). Negative for a Lower-is-better KPI that spending improves.", "a number"),
        ("Lag", O, 6, "Years before spending shows in the KPI; blank = 0.", "0, 1, 2…"),
        ("Max effect %", O, 13, "The largest effect this driver can have, in percent (20 = 20%); blank = no cap.", "a rate"),
        ("Elasticity low", O, 14, "The low end of the elasticity's range; blank = Elasticity.", "a number"),
        ("Elasticity high", O, 15, "The high end of the elasticity's range; blank = Elasticity.", "a number"),
    ],
    "Revenue": [
        ("Fund", R, 28, "The fund the revenue belongs to.", ""),
        ("Source", R, 36, "The revenue source (Earnings Tax, Sales Tax, Water Charges…).", ""),
        ("Recurring", O, 10, "Y for recurring revenue (counts in structural balance), N for one-time; blank = Y.", "Y / N"),
        (f"FY{Y1 - 3} Actual", O, 16, "Amount columns: one per year and phase (`FYxxxx <phase>`), in dollars.", PHASES),
        (f"FY{Y1 - 2} Actual", O, 16, "Actual revenue of that year.", "an amount"),
        (f"FY{Y1 - 1} Adopted", O, 16, "The adopted revenue budget of the current year.", "an amount"),
        (f"FY{Y1 - 1} Estimate", O, 16, "The current year's revenue estimate.", "an amount"),
        *[(f"FY{y} Projected", O, 16, f"The revenue projected for FY{y}, where given; otherwise the model grows the "
                                       "latest amount by Growth %.", "an amount") for y in PLAN_YEARS],
        ("Growth %", O, 10, "The yearly growth of the source where no projection is given, in percent (2.5 = 2.5%).", "a rate"),
    ],
    "Assumptions": [
        ("Account class", R, 22, "The expenditure class whose growth rates the row gives.", ", ".join(ACCOUNT_CLASSES)),
        *[(f"FY{y}", O, 10, f"The growth rate of the class in FY{y}: 3% as text, or 0.03 in a cell formatted as a "
                            "percentage (as here); a missing rate is 0.", "a rate") for y in PLAN_YEARS],
    ],
    "Funds": [
        ("Fund", R, 28, "The fund, spelled as in the line items and revenue.", ""),
        ("Fund name", O, 40, "A longer name or the fund's number.", ""),
        ("Beginning balance", R, 18, "The fund balance at the start of the first plan year, in dollars.", "an amount"),
        ("Reserve floor %", O, 15, "The smallest balance allowed, in percent of the year's expenditure (10 = 10%).", "a rate"),
        ("Reserve target %", O, 16, "The balance the policy aims for, in percent of expenditure.", "a rate"),
        ("Reserve ceiling %", O, 17, "The largest balance the policy allows, in percent of expenditure.", "a rate"),
    ],
    "KPI Actuals": [
        ("KPI ID", R, 9, "The KPI measured (a KPI ID of the KPIs sheet).", ""),
        ("Period", R, 14, "When: FY2027 Q2 (a quarter), FY2027 P05 or M05 (a fiscal month 1-12), FY2027 (the whole "
                          "year: it also gives the KPI's history) or a date.", PERIOD_FORMS),
        ("Value", R, 10, "The KPI's actual value in that period, in its unit.", "a number"),
    ],
}

DEPARTMENT_SHEETS: dict[str, list[tuple[str, bool, int, str, str]]] = {
    "Line Items": [
        ("Fund", R, 26, "The fund that pays for the line.", ""),
        ("Department", R, 26, "The department.", ""),
        ("Program", R, 30, "The program within the department.", ""),
        ("Account", O, 34, "The account code and/or description (511100 Salaries - Regular); blank = the account class.", ""),
        ("Account class", O, 22, "The expenditure class; blank = Other.", ", ".join(ACCOUNT_CLASSES)),
        ("Recurring", O, 10, "Y for an ongoing cost, N for a one-time cost (it exists in the first plan year only); blank = Y.",
         "Y / N"),
        (f"FY{Y1 - 3} Actual", O, 16, "Amount columns: one per year and phase (`FY2025 Actual`, `FY 2025-26 Adopted`, "
                                      "`2027 Requested`), or the long layout Fiscal Year, Phase, Amount.", PHASES),
        (f"FY{Y1 - 2} Actual", O, 16, "What was spent in that year.", "an amount"),
        (f"FY{Y1 - 1} Adopted", O, 16, "The adopted budget of the current year.", "an amount"),
        (f"FY{Y1} Requested", O, 16, "The department's request for the first plan year; blank = Adopted grown by the "
                                     "class's rate.", "an amount"),
        ("Goal", O, 12, "Optional: the council goal the line serves (a Goal ID or name of the plan's Goals sheet); the "
                        "open budget site (kcplanner publish) counts the line under it.", "a Goal ID"),
    ],
    "Positions": [
        ("Department", R, 26, "The department.", ""),
        ("Program", R, 30, "The program (as in the line items).", ""),
        ("Position", R, 30, "The position title.", ""),
        ("FTE", R, 8, "Full-time equivalents.", "a number"),
        ("Cost per FTE", O, 14, "Salary and benefits of one FTE, in dollars; used by `fte` rules.", "an amount"),
    ],
    "Requests": [
        ("Request ID", R, 14, "A unique ID for the request (REQ-POL-001).", ""),
        ("Department", R, 26, "The requesting department.", ""),
        ("Program", R, 30, "The program it funds (as in the line items).", ""),
        ("Fund", R, 26, "The fund that would pay for it.", ""),
        ("Title", R, 44, "A short title.", ""),
        ("Type", O, 14, "The kind of request; a Reduction's costs are savings.", ", ".join(REQUEST_TYPES)),
        ("Account class", O, 22, "The class of its costs.", ", ".join(ACCOUNT_CLASSES)),
        ("Recurring", O, 10, "Y for an ongoing cost, N for one-time; blank = Y.", "Y / N"),
        *[(f"Cost FY{y}", O, 13, f"Its cost in FY{y}, in dollars; blank = 0.", "an amount") for y in PLAN_YEARS],
        ("FTE", O, 7, "Positions it adds (or, for a Reduction, removes).", "a number"),
        ("Justification", O, 60, "Why it is needed and what it will achieve.", ""),
        ("KPI ID", O, 9, "The KPI it moves (a KPI ID of the plan).", ""),
        ("Rank", O, 6, "The department's priority (1 = first).", "a number"),
    ],
    "Actuals": [
        ("Fund", R, 26, "The fund charged (a fund of the line items).", ""),
        ("Department", R, 26, "The department (as in the line items).", ""),
        ("Program", R, 30, "The program (as in the line items).", ""),
        ("Account", O, 34, "The account; blank = the account class.", ""),
        ("Account class", O, 22, "The expenditure class; blank = the class of the line item with that account, else "
                                 "Other.", ", ".join(ACCOUNT_CLASSES)),
        ("Period", R, 14, "The period the amount was spent in; each month once a line.", PERIOD_FORMS),
        ("Amount", R, 16, "Spending in that period (not a running total), in dollars.", "an amount"),
    ],
    "Revenue Actuals": [
        ("Fund", R, 26, "The fund (as in the plan's Revenue sheet).", ""),
        ("Source", R, 30, "The revenue source (as in the plan's Revenue sheet).", ""),
        ("Period", R, 14, "The period collected; each month once a source.", PERIOD_FORMS),
        ("Amount", R, 16, "Collections in that period (not a running total), in dollars.", "an amount"),
    ],
}

#: Aliases as SPEC.md lists them, used when the readers' own table is not importable.
_SPEC_ALIASES = {
    "Program": ("Division", "Activity", "Cost Center"),
    "Account class": ("Category", "Object class", "Expense type"),
}

GENERAL_NOTES = [
    "Sheet and column names match case-insensitively, ignoring spaces and punctuation; a header row may sit "
    "anywhere in the first 20 rows, under titles and notes.",
    "Amounts may be numbers or text such as $1,234.50, (1,234) (negative), -1234. A blank amount means 'not given'.",
    "A rate is text with a percent sign (3%), or a number in a cell formatted as a percentage; any other number is in "
    "percent points in a column whose name has % (3 = 3%) and a fraction elsewhere (0.03 = 3%).",
    "Rows whose fund, department, program or account (fund or source for revenue) starts with Total, Subtotal or "
    "Grand Total are subtotals and are left out.",
    "A fiscal year is named by the calendar year in which it ends: FY2026-27, FY 2027, 2027 and FY27 all mean 2027.",
    "Darker headers are required columns.",
]


def _aliases(sheet: str, column: str) -> tuple[str, ...]:
    try:
        from .readers import columns as rc
    except Exception:  # the readers are optional here: fall back on SPEC's list
        return _SPEC_ALIASES.get(column, ())
    for spec in (*rc.PLAN_SHEETS, *rc.BUDGET_SHEETS, *_actual_specs()):
        if spec.name == sheet:
            for col in spec.columns:
                if col.name == column:
                    return col.aliases
    return ()


def _actual_specs() -> tuple:
    from .readers.actuals import ACTUALS, KPI_ACTUALS, REVENUE_ACTUALS

    return ACTUALS, REVENUE_ACTUALS, KPI_ACTUALS


def _sheet_aliases(sheet: str) -> tuple[str, ...]:
    try:
        from .readers import columns as rc
    except Exception:
        return ()
    for spec in (*rc.PLAN_SHEETS, *rc.BUDGET_SHEETS, *_actual_specs()):
        if spec.name == sheet:
            return spec.aliases
    return ()


def _validation(column: str) -> list[str] | None:
    if column == "Direction":
        return list(DIRECTIONS)
    if column == "Type":
        return list(REQUEST_TYPES)
    if column == "Recurring":
        return ["Y", "N"]
    if column == "Account class":
        return list(ACCOUNT_CLASSES)
    return None


def _write(path: Path, sheets: dict[str, list[tuple[str, bool, int, str, str]]], title: str) -> None:
    with atomic_path(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp))
        wb.set_properties({"title": title, "author": "Office of Management and Budget", "created": CREATED})
        required = wb.add_format({"bold": True, "bg_color": "#1F4E79", "font_color": "#FFFFFF", "border": 1,
                                  "text_wrap": True, "valign": "top"})
        optional = wb.add_format({"bold": True, "bg_color": "#BDD7EE", "border": 1, "text_wrap": True, "valign": "top"})
        pct = wb.add_format({"num_format": "0.0%"})
        bold = wb.add_format({"bold": True})
        wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        for sheet, columns in sheets.items():
            ws = wb.add_worksheet(sheet)
            ws.freeze_panes(1, 0)
            ws.set_row(0, 30)
            for c, (name, req, width, meaning, allowed) in enumerate(columns):
                ws.set_column(c, c, width, pct if sheet == "Assumptions" and c > 0 else None)
                ws.write_string(0, c, name, required if req else optional)
                comment = ("Required. " if req else "Optional. ") + meaning
                if allowed:
                    comment += f" Allowed: {allowed}."
                ws.write_comment(0, c, comment, {"x_scale": 2, "y_scale": 2, "author": "OMB"})
                choices = _validation(name)
                if choices:
                    ws.data_validation(1, c, VALIDATION_ROWS, c, {
                        "validate": "list", "source": choices, "ignore_blank": True,
                        "error_type": "warning",
                        "error_message": "Expected one of: " + ", ".join(choices)})
            if sheet == "Settings":
                for r, key in enumerate(["City", "First plan year", "Fiscal year start month", "Default cost per FTE"], 1):
                    ws.write_string(r, 0, key)
                ws.write_number(2, 1, Y1)
                ws.write_number(3, 1, 5)
            if sheet == "Assumptions":
                for r, cls in enumerate(ACCOUNT_CLASSES, 1):
                    ws.write_string(r, 0, cls)

        ws = wb.add_worksheet("Notes")
        ws.set_column(0, 0, 14)
        ws.set_column(1, 1, 22)
        ws.set_column(2, 2, 10)
        ws.set_column(3, 3, 34)
        ws.set_column(4, 4, 40)
        ws.set_column(5, 5, 80)
        ws.write_string(0, 0, title, wb.add_format({"bold": True, "font_size": 14}))
        r = 2
        for note in GENERAL_NOTES:
            ws.write_string(r, 0, "\u2022 " + note)
            r += 1
        r += 1
        for c, h in enumerate(["Sheet", "Column", "Required", "Aliases accepted", "Allowed values", "Meaning"]):
            ws.write_string(r, c, h, required)
        ws.freeze_panes(r + 1, 0)
        r += 1
        for sheet, columns in sheets.items():
            aliases = _sheet_aliases(sheet)
            label = sheet + (f" (or {', '.join(aliases)})" if aliases else "")
            ws.write_string(r, 0, label, bold)
            r += 1
            for name, req, _w, meaning, allowed in columns:
                ws.write_string(r, 0, sheet)
                ws.write_string(r, 1, name, bold if req else None)
                ws.write_string(r, 2, "Required" if req else "Optional")
                als = _aliases(sheet, name)
                if als:
                    ws.write_string(r, 3, ", ".join(als), wrap)
                if allowed:
                    ws.write_string(r, 4, allowed, wrap)
                ws.write_string(r, 5, meaning, wrap)
                r += 1
        wb.close()


def write_template(out_dir: Path) -> list[Path]:
    """Write `plan-template.xlsx` and `department-template.xlsx` into `out_dir` (created if missing)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    plan = out_dir / PLAN_TEMPLATE
    dept = out_dir / DEPARTMENT_TEMPLATE
    _write(plan, PLAN_SHEETS, "kcplanner plan workbook template")
    _write(dept, DEPARTMENT_SHEETS, "kcplanner department budget workbook template")
    return [plan, dept]
