"""The typed tables every other layer works on: a plan and a budget, read from workbooks.

Tables are pandas DataFrames with fixed columns and dtypes (see `docs/data-model.md`).
Names (funds, departments, programs, account classes, revenue sources) are pandas
categoricals whose categories are shared by every table of a `Dataset`, so the engine
can group by integer codes. Names match case-insensitively; the spelling first seen wins.
Amounts are float64 dollars, NaN where a workbook gave nothing. Rates are fractions.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from .fiscal import FiscalCalendar

ACCOUNT_CLASSES = (
    "Personnel Services",
    "Contractual Services",
    "Commodities",
    "Capital Outlay",
    "Debt Service",
    "Transfers",
    "Other",
)
REQUEST_TYPES = ("Enhancement", "Reduction", "New program", "Capital")

#: Columns of each table, in order.  Name columns are categoricals after `Dataset.unify()`.
LINE_ITEM_KEYS = ["fund", "department", "program", "account", "account_class", "recurring"]
SOURCE_COLUMNS = ["source_file", "source_sheet", "source_row"]
REVENUE_KEYS = ["fund", "source", "recurring", "growth"]
GOAL_COLUMNS = ["goal_id", "goal", "weight"]
OBJECTIVE_COLUMNS = ["objective_id", "goal_id", "objective"]
KPI_COLUMNS = ["kpi_id", "name", "goal_id", "objective_id", "unit", "direction", "baseline",
               "baseline_fy", "trend", "minimum", "maximum", "weight", "department"]
DRIVER_COLUMNS = ["kpi_id", "department", "program", "elasticity", "lag", "max_effect",
                  "elasticity_low", "elasticity_high"]
FUND_COLUMNS = ["fund", "fund_name", "beginning_balance", "reserve_floor", "reserve_target", "reserve_ceiling"]
POSITION_COLUMNS = ["department", "program", "position", "fte", "cost_per_fte"]
REQUEST_COLUMNS = ["request_id", "department", "program", "fund", "title", "type", "account_class",
                   "recurring", "fte", "justification", "kpi_id", "rank"]
#: A period as the fiscal months it covers (kcplanner.periods): quarter q = months 3q-2..3q, a year 1..12.
PERIOD_COLUMNS = ["fiscal_year", "first_month", "last_month", "period_kind"]
ACTUAL_COLUMNS = ["fund", "department", "program", "account", "account_class"] + PERIOD_COLUMNS + ["amount"]
REVENUE_ACTUAL_COLUMNS = ["fund", "source"] + PERIOD_COLUMNS + ["amount"]
KPI_ACTUAL_COLUMNS = ["kpi_id"] + PERIOD_COLUMNS + ["value"]

#: Which categorical vocabulary each name column belongs to.
VOCABULARY = {
    "fund": "fund",
    "department": "department",
    "program": "program",
    "account_class": "account_class",
    "source": "source",
}


def empty_frame(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def amounts_frame(index_len: int, columns: list[tuple[int, str]] | None = None) -> pd.DataFrame:
    """An empty wide amounts table: one row per line, columns (fiscal_year, phase)."""
    cols = pd.MultiIndex.from_tuples(columns or [], names=["fiscal_year", "phase"])
    return pd.DataFrame(np.full((index_len, len(cols)), np.nan), columns=cols)


@dataclass
class PlanSettings:
    city: str | None = None
    first_plan_year: int | None = None
    fiscal_year_start_month: int = 5
    default_cost_per_fte: float | None = None
    #: the quarterly review's flags (SPEC): fractions of the budget
    overspend_tolerance: float = 0.005
    underspend_tolerance: float = 0.05
    revenue_tolerance: float = 0.01

    @property
    def calendar(self) -> FiscalCalendar:
        return FiscalCalendar(self.fiscal_year_start_month)


@dataclass
class Plan:
    """The five-year plan workbook.

    - goals: goal_id, goal, weight (default 1)
    - objectives: objective_id, goal_id, objective
    - kpis: KPI_COLUMNS; direction is +1 (higher is better) or -1 (lower is better);
      goal_id is the KPI's goal, resolved through its objective when it names one;
      baseline_fy Int64 (NA = y0); trend, minimum, maximum float (NaN = none); weight default 1
    - kpi_targets: index kpi_id, one float column per fiscal year (NaN = no target)
    - kpi_history: kpi_id, fiscal_year, value (actuals of earlier years, where an import gives them)
    - drivers: DRIVER_COLUMNS; program None = the whole department; lag int; max_effect a
      fraction (NaN = no cap); elasticity_low/high filled with elasticity where blank
    - revenue: REVENUE_KEYS (recurring bool, growth fraction, default 0) + SOURCE_COLUMNS
    - revenue_amounts: one row per revenue line, columns (fiscal_year, phase) with phases of
      `fiscal.REVENUE_PHASES`, NaN where not given
    - assumptions: index account_class (str), one float column per fiscal year (growth fraction)
    - funds: FUND_COLUMNS; reserve ratios are fractions (NaN = no policy)
    - kpi_actuals: KPI_ACTUAL_COLUMNS + SOURCE_COLUMNS, one row per KPI and period (the KPI Actuals
      sheet); first_month/last_month are fiscal months 1-12, period_kind "month", "quarter" or "year"
    """

    settings: PlanSettings = field(default_factory=PlanSettings)
    goals: pd.DataFrame = field(default_factory=lambda: empty_frame(GOAL_COLUMNS))
    objectives: pd.DataFrame = field(default_factory=lambda: empty_frame(OBJECTIVE_COLUMNS))
    kpis: pd.DataFrame = field(default_factory=lambda: empty_frame(KPI_COLUMNS))
    kpi_targets: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(index=pd.Index([], name="kpi_id")))
    kpi_history: pd.DataFrame = field(default_factory=lambda: empty_frame(["kpi_id", "fiscal_year", "value"]))
    drivers: pd.DataFrame = field(default_factory=lambda: empty_frame(DRIVER_COLUMNS))
    revenue: pd.DataFrame = field(default_factory=lambda: empty_frame(REVENUE_KEYS + SOURCE_COLUMNS))
    revenue_amounts: pd.DataFrame = field(default_factory=lambda: amounts_frame(0))
    assumptions: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(index=pd.Index([], name="account_class")))
    funds: pd.DataFrame = field(default_factory=lambda: empty_frame(FUND_COLUMNS))
    kpi_actuals: pd.DataFrame = field(default_factory=lambda: empty_frame(KPI_ACTUAL_COLUMNS + SOURCE_COLUMNS))


@dataclass
class Budget:
    """The department budget workbooks, merged.

    - line_items: LINE_ITEM_KEYS (account str, recurring bool) + SOURCE_COLUMNS
      (file name, sheet name, 1-based row of the line's first source row)
    - amounts: one row per line item, columns (fiscal_year, phase), phases of
      `fiscal.LINE_ITEM_PHASES`, NaN where not given
    - positions: POSITION_COLUMNS (cost_per_fte NaN where not given)
    - requests: REQUEST_COLUMNS (recurring bool, fte float, rank float) + SOURCE_COLUMNS
    - request_costs: index request_id, one float column per fiscal year (NaN = blank = 0)
    - actuals: ACTUAL_COLUMNS + SOURCE_COLUMNS, spending in a period (not cumulative): one row per
      source row, account_class a standard class or the city's own; periods as in kpi_actuals
    - revenue_actuals: REVENUE_ACTUAL_COLUMNS + SOURCE_COLUMNS, collections in a period
    """

    line_items: pd.DataFrame = field(default_factory=lambda: empty_frame(LINE_ITEM_KEYS + SOURCE_COLUMNS))
    amounts: pd.DataFrame = field(default_factory=lambda: amounts_frame(0))
    positions: pd.DataFrame = field(default_factory=lambda: empty_frame(POSITION_COLUMNS))
    requests: pd.DataFrame = field(default_factory=lambda: empty_frame(REQUEST_COLUMNS + SOURCE_COLUMNS))
    request_costs: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(index=pd.Index([], name="request_id")))
    actuals: pd.DataFrame = field(default_factory=lambda: empty_frame(ACTUAL_COLUMNS + SOURCE_COLUMNS))
    revenue_actuals: pd.DataFrame = field(default_factory=lambda: empty_frame(REVENUE_ACTUAL_COLUMNS + SOURCE_COLUMNS))


@dataclass
class Dataset:
    """A plan and a budget, with the five plan years settled."""

    plan: Plan
    budget: Budget
    sources: list[str] = field(default_factory=list)  # the files read, in order

    @property
    def first_plan_year(self) -> int:
        """y1: `First plan year` from Settings, else the year after the latest Adopted amount."""
        if self.plan.settings.first_plan_year:
            return int(self.plan.settings.first_plan_year)
        amounts = self.budget.amounts
        years = [y for (y, phase) in amounts.columns if phase == "Adopted" and amounts[(y, phase)].notna().any()]
        if years:
            return max(years) + 1
        years = [y for (y, _phase) in amounts.columns if amounts[(y, _phase)].notna().any()]
        return (max(years) + 1) if years else pd.Timestamp.today().year + 1

    @property
    def plan_years(self) -> list[int]:
        y1 = self.first_plan_year
        return list(range(y1, y1 + 5))

    def unify(self) -> "Dataset":
        """Make every name column a categorical over one shared vocabulary per kind.

        Names are matched case-insensitively with surrounding spaces ignored; each category
        is spelled as first seen (budget tables first, then plan tables).
        """
        tables = [
            ("budget", "line_items"), ("budget", "requests"), ("budget", "positions"),
            ("budget", "actuals"), ("budget", "revenue_actuals"),  # categoricals: the review groups them fast
            ("plan", "revenue"), ("plan", "funds"), ("plan", "drivers"), ("plan", "kpis"),
        ]
        for kind in dict.fromkeys(VOCABULARY.values()):
            spellings: dict[str, str] = {}
            for owner, name in tables:
                frame = getattr(getattr(self, owner), name)
                for col, vocab in VOCABULARY.items():
                    if vocab != kind or col not in frame.columns:
                        continue
                    if isinstance(frame[col].dtype, pd.CategoricalDtype):
                        values = frame[col].cat.categories.to_series().astype(object)
                    else:
                        values = frame[col].astype(object)
                    for v in pd.unique(values.dropna()):
                        spellings.setdefault(_key(v), str(v).strip())
            categories = list(dict.fromkeys(spellings.values()))
            position = {c: i for i, c in enumerate(categories)}
            for owner, name in tables:
                frame = getattr(getattr(self, owner), name)
                for col, vocab in VOCABULARY.items():
                    if vocab != kind or col not in frame.columns:
                        continue
                    # vectorized: map each distinct value once, then the codes
                    if isinstance(frame[col].dtype, pd.CategoricalDtype):
                        codes = frame[col].cat.codes.to_numpy()
                        uniques = frame[col].cat.categories.astype(object)
                    else:
                        codes, uniques = pd.factorize(frame[col].astype(object), use_na_sentinel=True)
                    lut = np.full(len(uniques) + 1, -1, dtype=np.int64)
                    for k, u in enumerate(uniques):
                        if u is not None and u == u:
                            spelled = spellings.get(_key(u))
                            if spelled is not None:
                                lut[k] = position[spelled]
                    frame[col] = pd.Categorical.from_codes(lut[codes], categories=categories)
        return self

    def copy(self) -> "Dataset":
        def deep(obj):
            return replace(obj, **{f: (getattr(obj, f).copy() if hasattr(getattr(obj, f), "copy") else getattr(obj, f))
                                   for f in obj.__dataclass_fields__})
        return Dataset(plan=deep(self.plan), budget=deep(self.budget), sources=list(self.sources))


def _key(value: object) -> str:
    return " ".join(str(value).split()).casefold()
