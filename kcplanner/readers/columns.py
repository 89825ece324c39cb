"""Sheet and column names the readers accept, with their aliases (SPEC.md, "Workbooks in").

Names match case-insensitively, ignoring spaces and punctuation (`norm`).  Every table
here is also what the error messages list, so a user sees exactly what is accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def norm(text: object) -> str:
    """`Line Items`, `line_items`, `LineItems` → `lineitems`; `Trend %` → `trend`."""
    if text is None:
        return ""
    return _NON_ALNUM.sub("", str(text).casefold())


@dataclass(frozen=True)
class Column:
    field: str  # the table column it feeds (snake_case)
    name: str  # the name the template and messages use
    aliases: tuple[str, ...] = ()
    required: bool = False
    kind: str = "text"  # text, id, amount, rate, number, int, flag, year

    def keys(self) -> set[str]:
        return {norm(self.name), *(norm(a) for a in self.aliases)}

    def describe(self) -> str:
        if self.aliases:
            return f"{self.name} (or {', '.join(self.aliases)})"
        return self.name


@dataclass(frozen=True)
class SheetSpec:
    name: str
    aliases: tuple[str, ...]
    columns: tuple[Column, ...]
    optional: bool = False
    extra: str = ""  # words about dynamic columns, for messages

    def keys(self) -> set[str]:
        return {norm(self.name), *(norm(a) for a in self.aliases)}

    @property
    def required(self) -> list[Column]:
        return [c for c in self.columns if c.required]

    def column(self, field_name: str) -> Column:
        for c in self.columns:
            if c.field == field_name:
                return c
        raise KeyError(field_name)

    def describe_required(self) -> str:
        return "; ".join(c.describe() for c in self.required)


C = Column

LINE_ITEMS = SheetSpec(
    "Line Items", ("Line Item", "Budget", "Budget Detail", "Line Item Budget", "Expenditures", "Expenses"),
    (
        C("fund", "Fund", ("Fund name", "Fund code"), True),
        C("department", "Department", ("Dept", "Department name", "Agency"), True),
        C("program", "Program", ("Division", "Activity", "Cost Center", "Program name"), True),
        C("account", "Account", ("Account code", "Account number", "Account description", "Account name",
                                  "Object", "Object code", "Line item")),
        C("account_class", "Account class", ("Category", "Object class", "Expense type", "Class",
                                             "Account category", "Expenditure category")),
        C("recurring", "Recurring", ("Recurring (Y/N)", "Recurring?", "Ongoing"), kind="flag"),
        # the council goal the line serves (a Goal ID or name of the plan's Goals): the open budget site's
        # "where the money goes" and its line-item CSV (docs/publish.md)
        C("goal", "Goal", ("Goal ID", "Council goal", "Council priority")),
        # long layout
        C("fiscal_year", "Fiscal Year", ("FY", "Year", "Budget year"), kind="year"),
        C("phase", "Phase", ("Budget phase", "Stage", "Version")),
        C("amount", "Amount", ("Amount ($)", "Dollars", "Value"), kind="amount"),
    ),
    extra="amounts: one column per year and phase (`FY2025 Actual`, `FY 2025-26 Adopted`, `2027 Requested`), "
          "or the long layout Fiscal Year, Phase, Amount",
)

POSITIONS = SheetSpec(
    "Positions", ("Position", "Staffing", "FTE", "FTEs", "Personnel"),
    (
        C("department", "Department", ("Dept", "Department name", "Agency"), True),
        C("program", "Program", ("Division", "Activity", "Cost Center", "Program name"), True),
        C("position", "Position", ("Position title", "Title", "Job title", "Job class"), True),
        C("fte", "FTE", ("FTEs", "Positions", "Headcount"), True, kind="number"),
        C("cost_per_fte", "Cost per FTE", ("Cost/FTE", "Average cost", "Salary and benefits"), kind="amount"),
    ),
    optional=True,
)

REQUESTS = SheetSpec(
    "Requests", ("Request", "Decision Packages", "Decision Package", "Budget Requests"),
    (
        C("request_id", "Request ID", ("Request", "Request number", "Request no", "Package ID", "ID"), True, "id"),
        C("department", "Department", ("Dept", "Department name", "Agency"), True),
        C("program", "Program", ("Division", "Activity", "Cost Center", "Program name"), True),
        C("fund", "Fund", ("Fund name", "Fund code"), True),
        C("title", "Title", ("Request title", "Name", "Description"), True),
        C("type", "Type", ("Request type",)),
        C("account_class", "Account class", ("Category", "Object class", "Expense type", "Class")),
        C("recurring", "Recurring", ("Recurring (Y/N)", "Recurring?", "Ongoing"), kind="flag"),
        C("fte", "FTE", ("FTEs", "Positions"), kind="number"),
        C("justification", "Justification", ("Rationale", "Notes")),
        C("kpi_id", "KPI ID", ("KPI", "Measure ID"), kind="id"),
        C("rank", "Rank", ("Priority", "Ranking"), kind="number"),
    ),
    optional=True,
    extra="cost columns `Cost FY2027` … one a year",
)

SETTINGS = SheetSpec(
    "Settings", ("Setting", "Parameters", "Options"),
    (C("key", "Key", ("Setting", "Name", "Parameter"), True), C("value", "Value", (), True)),
    optional=True,
)

GOALS = SheetSpec(
    "Goals", ("Goal", "Council Goals", "Priorities"),
    (
        C("goal_id", "Goal ID", ("Goal number", "Goal no", "Priority ID"), True, "id"),
        C("goal", "Goal", ("Goal name", "Priority", "Description"), True),
        C("weight", "Weight", (), kind="number"),
    ),
)

OBJECTIVES = SheetSpec(
    "Objectives", ("Objective",),
    (
        C("objective_id", "Objective ID", ("Objective number", "Objective no"), True, "id"),
        C("goal_id", "Goal ID", ("Goal",), True, "id"),
        C("objective", "Objective", ("Objective name", "Description"), True),
    ),
    optional=True,
)

KPIS = SheetSpec(
    "KPIs", ("KPI", "Measures", "Performance Measures", "Indicators"),
    (
        C("kpi_id", "KPI ID", ("Measure ID", "Indicator ID"), True, "id"),
        C("name", "Name", ("KPI", "KPI name", "Measure", "Indicator"), True),
        # "Goal ID or Objective ID": either column (or both) satisfies the requirement
        C("parent_id", "Goal ID or Objective ID", ("Goal or Objective", "Goal/Objective ID", "Goal/Objective"), kind="id"),
        C("goal_id", "Goal ID", ("Goal",), kind="id"),
        C("objective_id", "Objective ID", ("Objective",), kind="id"),
        C("unit", "Unit", ("Units", "Unit of measure")),
        C("direction", "Direction", ("Polarity", "Better"), True),
        C("baseline", "Baseline", ("Baseline value", "Current"), True, kind="number"),
        C("baseline_fy", "Baseline FY", ("Baseline year", "Baseline fiscal year"), kind="year"),
        C("trend", "Trend %", ("Trend", "Annual trend", "Trend rate"), kind="rate"),
        C("minimum", "Minimum", ("Min",), kind="number"),
        C("maximum", "Maximum", ("Max",), kind="number"),
        C("weight", "Weight", (), kind="number"),
        C("department", "Department", ("Dept",)),
    ),
    extra="target columns `Target FY2027` … one a year",
)

DRIVERS = SheetSpec(
    "Drivers", ("Driver", "KPI Drivers", "Elasticities"),
    (
        C("kpi_id", "KPI ID", ("KPI", "Measure ID"), True, "id"),
        C("department", "Department", ("Dept",), True),
        C("program", "Program", ("Division", "Activity", "Cost Center")),
        C("elasticity", "Elasticity", (), True, kind="number"),
        C("lag", "Lag", ("Lag years", "Lag (years)"), kind="int"),
        C("max_effect", "Max effect %", ("Max effect", "Maximum effect", "Cap"), kind="rate"),
        C("elasticity_low", "Elasticity low", ("Low elasticity", "Elasticity (low)"), kind="number"),
        C("elasticity_high", "Elasticity high", ("High elasticity", "Elasticity (high)"), kind="number"),
    ),
)

REVENUE = SheetSpec(
    "Revenue", ("Revenues", "Revenue Sources", "Receipts"),
    (
        C("fund", "Fund", ("Fund name", "Fund code"), True),
        C("source", "Source", ("Revenue source", "Revenue", "Source name"), True),
        C("recurring", "Recurring", ("Recurring (Y/N)", "Recurring?", "Ongoing"), kind="flag"),
        C("growth", "Growth %", ("Growth", "Growth rate", "Annual growth"), kind="rate"),
    ),
    extra="amount columns `FY2025 Actual`, `FY2026 Adopted`, `FY2026 Estimate`, `FY2027 Projected`",
)

ASSUMPTIONS = SheetSpec(
    "Assumptions", ("Assumption", "Growth", "Growth Rates", "Growth Assumptions"),
    (C("account_class", "Account class", ("Category", "Object class", "Expense type", "Class"), True),),
    extra="one growth-rate column a plan year (`FY2027` …)",
)

FUNDS = SheetSpec(
    "Funds", ("Fund", "Fund Balances", "Reserves"),
    (
        C("fund", "Fund", ("Fund code",), True),
        C("fund_name", "Fund name", ("Name", "Description")),
        C("beginning_balance", "Beginning balance", ("Beginning fund balance", "Opening balance", "Balance"),
          True, kind="amount"),
        C("reserve_floor", "Reserve floor %", ("Reserve floor", "Minimum reserve", "Floor"), kind="rate"),
        C("reserve_target", "Reserve target %", ("Reserve target", "Target reserve", "Target"), kind="rate"),
        C("reserve_ceiling", "Reserve ceiling %", ("Reserve ceiling", "Maximum reserve", "Ceiling"), kind="rate"),
    ),
)

PLAN_SHEETS = (SETTINGS, GOALS, OBJECTIVES, KPIS, DRIVERS, REVENUE, ASSUMPTIONS, FUNDS)
BUDGET_SHEETS = (LINE_ITEMS, POSITIONS, REQUESTS)

#: Account classes and the texts accepted for each (besides the name itself).
CLASS_ALIASES: dict[str, tuple[str, ...]] = {
    "Personnel Services": ("Personnel", "Personal Services", "Salaries", "Salaries and Benefits",
                           "Salaries & Benefits", "Wages", "Payroll"),
    "Contractual Services": ("Contractual", "Contracts", "Contract Services", "Services", "Professional Services"),
    "Commodities": ("Commodity", "Supplies", "Materials", "Materials and Supplies"),
    "Capital Outlay": ("Capital", "Capital Outlays", "Equipment"),
    "Debt Service": ("Debt", "Debt Services", "Debt Payments"),
    "Transfers": ("Transfer", "Transfers Out", "Interfund Transfers"),
    "Other": ("Other Expenses", "Miscellaneous", "Misc"),
}

REQUEST_TYPE_ALIASES: dict[str, tuple[str, ...]] = {
    "Enhancement": ("Enhancements", "Expansion", "Increase", "Add"),
    "Reduction": ("Reductions", "Cut", "Savings", "Decrease"),
    "New program": ("New", "New programs", "New initiative"),
    "Capital": ("Capital request", "Capital project", "Capital outlay"),
}

DIRECTION_ALIASES: dict[int, tuple[str, ...]] = {
    1: ("Higher is better", "Higher", "Up", "Increase", "Higher better", "More is better", "+", "+1", "1"),
    -1: ("Lower is better", "Lower", "Down", "Decrease", "Lower better", "Less is better", "-", "-1"),
}

SETTINGS_KEYS = {
    "city": ("City", "City name", "Jurisdiction"),
    "first_plan_year": ("First plan year", "First year", "Plan start year", "Y1"),
    "fiscal_year_start_month": ("Fiscal year start month", "FY start month", "Start month"),
    "default_cost_per_fte": ("Default cost per FTE", "Cost per FTE", "Default FTE cost"),
    # the quarterly review's flags (SPEC): rates, `0.5%` or a fraction
    "overspend_tolerance": ("Overspend tolerance", "Overspending tolerance", "Over budget tolerance"),
    "underspend_tolerance": ("Underspend tolerance", "Underspending tolerance", "Under budget tolerance"),
    "revenue_tolerance": ("Revenue tolerance", "Revenue shortfall tolerance"),
}


def _lookup(table: dict) -> dict[str, object]:
    out: dict[str, object] = {}
    for canonical, aliases in table.items():
        names = [canonical] if isinstance(canonical, str) else []
        for text in (*names, *aliases):
            out[norm(text) if norm(text) else text] = canonical
    return out


CLASS_LOOKUP = _lookup(CLASS_ALIASES)
REQUEST_TYPE_LOOKUP = _lookup(REQUEST_TYPE_ALIASES)
# Words match like column names; symbols ("+1", "-1", "1") as typed, since norm("-1") == norm("1").
DIRECTION_LOOKUP = {(norm(t) if any(ch.isalpha() for ch in t) else t): d
                    for d, ts in DIRECTION_ALIASES.items() for t in ts}
SETTINGS_LOOKUP = _lookup(SETTINGS_KEYS)


def describe_choices(table: dict) -> str:
    parts = []
    for canonical, aliases in table.items():
        parts.append(f"{canonical} ({', '.join(aliases)})" if aliases else str(canonical))
    return "; ".join(parts)
