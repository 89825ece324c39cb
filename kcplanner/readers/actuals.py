"""Actuals, Revenue Actuals and KPI Actuals (SPEC, "Actuals and KPI actuals"): the year in execution.

Actuals and Revenue Actuals are sheets of department workbooks, or workbooks and CSVs of their own
(`--actuals`); KPI Actuals is a sheet of the plan.  Each row is one period (`parse_period`: a quarter,
a fiscal month, a whole year or a date) and its amount or value, read with the same header search,
aliases, typo checks, bounds and row accounting as every reader.  References (funds, departments,
programs, sources) and months given twice are checked by `actuals_check` once every file is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..fiscal import FiscalCalendar
from ..periods import EXPECTED, PeriodError, parse_period
from ..report import RowCount, ValidationReport, column_letter
from . import common as K
from .columns import LINE_ITEMS, REVENUE, Column, SheetSpec
from .table import Table, find_sheet, locate_header, open_table

_PERIOD = Column("period", "Period", ("Fiscal period", "Accounting period", "Month", "Date", "Posting date",
                                      "Period ending", "GL date"), True)
ACTUALS = SheetSpec(
    "Actuals", ("Actual", "Spending Actuals", "Expenditure Actuals", "Actual Expenditures", "Actuals to date"),
    (LINE_ITEMS.column("fund"), LINE_ITEMS.column("department"), LINE_ITEMS.column("program"),
     LINE_ITEMS.column("account"), LINE_ITEMS.column("account_class"), _PERIOD,
     Column("amount", "Amount", ("Amount ($)", "Actual amount", "Actual", "Spent", "Dollars", "Value"), True,
            kind="amount")),
    optional=True, extra="one row per line and period: spending in that period (not cumulative)")
REVENUE_ACTUALS = SheetSpec(
    "Revenue Actuals", ("Revenue Actual", "Revenue Collections", "Collections", "Actual Revenue"),
    (REVENUE.column("fund"), REVENUE.column("source"), _PERIOD,
     Column("amount", "Amount", ("Amount ($)", "Collected", "Collections", "Actual amount", "Actual", "Dollars"),
            True, kind="amount")),
    optional=True, extra="one row per revenue source and period: collections in that period")
KPI_ACTUALS = SheetSpec(
    "KPI Actuals", ("KPI Actual", "Measure Actuals", "Performance Actuals", "KPI Results"),
    (Column("kpi_id", "KPI ID", ("Measure ID", "Indicator ID", "KPI"), True, "id"), _PERIOD,
     Column("value", "Value", ("Actual", "Actual value", "Result"), True, kind="number")),
    optional=True, extra="one row per KPI and period")
ACTUAL_SHEETS = (ACTUALS, REVENUE_ACTUALS)


@dataclass
class ActualsPart:
    """Rows read so far, with their cells (for the cross-checks) and the row count of their sheet."""

    actuals: list[pd.DataFrame] = field(default_factory=list)
    revenue: list[pd.DataFrame] = field(default_factory=list)
    counts: list[RowCount] = field(default_factory=list)

    def add(self, kind: str, frame: pd.DataFrame, count: RowCount) -> None:
        frame["_count"] = len(self.counts)
        self.counts.append(count)
        (self.actuals if kind == "actuals" else self.revenue).append(frame)


def letters(t: Table, keep: np.ndarray, wanted: dict[str, str]) -> dict[str, np.ndarray]:
    """The column letter of each field, per row (the cell is the letter and `source_row`, built only
    for a row with a problem: millions of A1 texts would cost more than reading the sheet)."""
    from ..report import column_letter

    n = int(keep.sum())
    return {name: np.full(n, column_letter(t.fields[f]) if f in t.fields else "", dtype=object)
            for name, f in wanted.items()}


def periods(t: Table, calendar: FiscalCalendar) -> dict[str, np.ndarray]:
    """The Period column → fiscal_year, first_month, last_month, period_kind; bad cells reported."""
    j = t.fields["period"]
    codes, uniques = t.factorized(j)
    n = len(uniques) + 1
    fy = np.zeros(n, dtype=np.int64)
    first = np.zeros(n, dtype=np.int64)
    last = np.zeros(n, dtype=np.int64)
    kind = np.full(n, None, dtype=object)
    why = np.full(n, None, dtype=object)
    dated = np.zeros(n, dtype=bool)
    for k, u in enumerate(uniques):
        if K.blank(np.array([u], dtype=object))[0]:
            why[k] = "blank"
            continue
        try:
            p = parse_period(u, calendar)
        except PeriodError as err:
            why[k] = str(err)
            continue
        fy[k], first[k], last[k], kind[k] = p.fiscal_year, p.first_month, p.last_month, p.kind
        dated[k] = is_date(u)
    why[-1] = "blank"
    rows = why[codes]
    for i in np.flatnonzero(pd.notna(rows) & t.live & ~t.bad_error_cells(j)):
        msg = rows[i]
        if msg == "blank":
            t.cell_error(int(i), j, f"expected {EXPECTED}, found a blank cell", kind="blank")
        else:
            t.cell_error(int(i), j, f"the period {msg}", kind="period")
    return {"fiscal_year": fy[codes], "first_month": first[codes], "last_month": last[codes],
            "period_kind": kind[codes], "_dated": dated[codes]}


def is_date(value) -> bool:
    """A period given as a date (a posting): several in one month of a line are transactions, not a repeat."""
    import datetime as dt

    from ..periods import _ISO_DATE

    return isinstance(value, dt.date) or (isinstance(value, str) and bool(_ISO_DATE.match(value)))


def _open(report, file, sheet, spec: SheetSpec, keys: list[str], amount_field: str):
    t = open_table(report, file, sheet.name, sheet, spec, what=f" of {spec.name}")
    if t is None:
        return None, []
    used = K.used_columns(t)
    K.warn_ignored(report, t, used, f"a column of {spec.name}")
    t.drop_blank_rows(used, {t.fields[amount_field]})
    t.drop_subtotals(keys)
    t.flag_error_cells(used, {t.fields[amount_field]: "an amount", t.fields["period"]: "a period"},
                       parsed={t.fields[amount_field]})
    return t, used


def read_actuals_sheet(report: ValidationReport, file: str, sheet, calendar: FiscalCalendar,
                       part: ActualsPart) -> None:
    """One Actuals sheet: fund, department, program, account, class, period, amount."""
    t, _used = _open(report, file, sheet, ACTUALS, ["fund", "department", "program", "account"], "amount")
    if t is None:
        return
    fund = K.text(t, "fund", "a fund name", True)
    dept = K.text(t, "department", "a department name", True)
    prog = K.text(t, "program", "a program name", True)
    acls = K.account_class(t, default=None)  # not given: the line item's class (actuals_check)
    acct = K.text(t, "account", "an account")
    per = periods(t, calendar)
    amt = K.amount(t, "amount", "an amount", required=True)
    keep = t.close()
    frame = pd.DataFrame({"fund": fund[keep], "department": dept[keep], "program": prog[keep],
                          "account": acct[keep], "account_class": acls[keep],
                          **{c: v[keep] for c, v in per.items()}, "amount": amt[keep], **K.sources(t, keep),
                          **letters(t, keep, {"_fund_cell": "fund", "_dept_cell": "department",
                                              "_prog_cell": "program", "_period_cell": "period"})})
    part.add("actuals", frame, t.count)


def read_revenue_actuals_sheet(report: ValidationReport, file: str, sheet, calendar: FiscalCalendar,
                               part: ActualsPart) -> None:
    """One Revenue Actuals sheet: fund, source, period, amount."""
    t, _used = _open(report, file, sheet, REVENUE_ACTUALS, ["fund", "source"], "amount")
    if t is None:
        return
    fund = K.text(t, "fund", "a fund name", True)
    src = K.text(t, "source", "a revenue source", True)
    per = periods(t, calendar)
    amt = K.amount(t, "amount", "an amount", required=True)
    keep = t.close()
    frame = pd.DataFrame({"fund": fund[keep], "source": src[keep], **{c: v[keep] for c, v in per.items()},
                          "amount": amt[keep], **K.sources(t, keep),
                          **letters(t, keep, {"_fund_cell": "fund", "_source_cell": "source",
                                              "_period_cell": "period"})})
    part.add("revenue", frame, t.count)


def read_kpi_actuals_sheet(report: ValidationReport, file: str, sheet, calendar: FiscalCalendar,
                           kpi_ids: dict[str, str]) -> pd.DataFrame:
    """The plan's KPI Actuals sheet; `kpi_ids` maps each KPI key of the KPIs sheet to its spelling."""
    from ..dataset import KPI_ACTUAL_COLUMNS, SOURCE_COLUMNS, empty_frame

    t, _used = _open(report, file, sheet, KPI_ACTUALS, [], "value")
    if t is None:
        return empty_frame(KPI_ACTUAL_COLUMNS + SOURCE_COLUMNS)
    kid = K.text(t, "kpi_id", "a KPI ID", True)
    per = periods(t, calendar)
    val = K.amount(t, "value", "a number (the KPI's value)", required=True)
    j = t.fields["kpi_id"]
    keys = np.array([" ".join(str(v).split()).casefold() if v is not None else None for v in kid], dtype=object)
    for i in np.flatnonzero(t.live & ~t.bad):
        if keys[i] not in kpi_ids:
            t.cell_error(int(i), j, f"unknown KPI {kid[i]!r}; expected a KPI ID of the KPIs sheet", kind="ref")
        else:
            kid[i] = kpi_ids[keys[i]]
    _same_period_twice(t, keys, per)
    not_above_zero(t, kid, per["fiscal_year"], val, t.fields["value"], per["period_kind"] == "year")
    keep = t.close()
    return pd.DataFrame({"kpi_id": kid[keep], **{c: v[keep] for c, v in per.items()}, "value": val[keep],
                         **K.sources(t, keep)})


NOT_ABOVE_ZERO_LISTED = 20


def not_above_zero(t: Table, kid: np.ndarray, years: np.ndarray, val: np.ndarray, col: int,
                   yearly: np.ndarray | None = None) -> None:
    """A yearly KPI value of 0 or below: a warning with its cell (SPEC "Evidence for the drivers": the
    history is taken in logs, so that year and its neighbours leave the estimate; the value itself stays,
    the quarterly review uses it)."""
    with np.errstate(invalid="ignore"):
        hit = t.live & ~t.bad & ~t.excluded & (val <= 0) & np.isfinite(np.asarray(years, dtype=np.float64))
    if yearly is not None:
        hit &= yearly
    idx = np.flatnonzero(hit)
    for i in idx[:NOT_ABOVE_ZERO_LISTED]:
        t.report.warning(t.file, t.sheet, t.cell(int(i), col),
                         f"the KPI {kid[i]!r} has the value {val[i]:g} for FY{int(years[i])}: a KPI's yearly history "
                         "is taken in logs, so a value of 0 or below cannot enter the driver evidence (the changes "
                         "into and out of that year are left out of the estimate); expected a value above 0")
    if len(idx) > NOT_ABOVE_ZERO_LISTED:
        t.report.warning(t.file, t.sheet, column_letter(col), f"… and {len(idx) - NOT_ABOVE_ZERO_LISTED} more yearly "
                         "KPI values of 0 or below")


def _same_period_twice(t: Table, keys: np.ndarray, per: dict[str, np.ndarray]) -> None:
    """A KPI given twice for the same period: an error naming both cells."""
    ok = t.live & ~t.bad
    frame = pd.DataFrame({"k": keys, "y": per["fiscal_year"], "a": per["first_month"], "b": per["last_month"]})[ok]
    dup = frame.duplicated(keep=False)
    if not dup.any():
        return
    first: dict[tuple, int] = {}
    for i, row in zip(np.flatnonzero(ok)[dup.to_numpy()], frame[dup].itertuples(index=False)):
        key = tuple(row)
        if key not in first:
            first[key] = int(i)
            continue
        t.cell_error(int(i), t.fields["period"], f"the KPI {t.data[i, t.fields['kpi_id']]!r} is given twice for "
                     f"the period {t.data[i, t.fields['period']]!s} (here and in {t.cell(first[key], t.fields['period'])}); "
                     "expected one value a KPI and period", kind="twice")


def recognise(grid: np.ndarray) -> SheetSpec | None:
    """A sheet not named after its table, by its columns: Department → Actuals; Source and no Department →
    Revenue Actuals."""
    if locate_header(grid, ACTUALS) is not None:
        return ACTUALS
    if locate_header(grid, REVENUE_ACTUALS) is not None:
        return REVENUE_ACTUALS
    return None


def actual_sheet_names(names: list[str]) -> dict[str, SheetSpec]:
    """The sheets of a workbook named after Actuals or Revenue Actuals."""
    out = {}
    for spec in ACTUAL_SHEETS:
        n = find_sheet(names, spec)
        if n is not None:
            out[n] = spec
    return out


def read_actual_sheets(report, file, wb, names: dict[str, SheetSpec], calendar, part: ActualsPart) -> None:
    for n, spec in names.items():
        reader = read_actuals_sheet if spec is ACTUALS else read_revenue_actuals_sheet
        reader(report, file, wb.sheet(n), calendar, part)


def read_actuals_file(path, report: ValidationReport, calendar: FiscalCalendar, part: ActualsPart) -> None:
    """A workbook or CSV given with `--actuals`: its sheets named after the tables, else recognised by columns."""
    from .unreadable import UnreadableFile
    from .workbook import open_or_report

    file = path.name
    wb = open_or_report(path, report)
    if wb is None:
        return
    try:
        names = wb.sheet_names
        named = actual_sheet_names(names)
        if not named:
            for n in names:
                spec = recognise(wb.sheet(n).grid())
                if spec is not None:
                    named[n] = spec
        if not named:
            report.error(file, "", "", f"{file} holds no actuals: no sheet named Actuals or Revenue Actuals and no "
                         f"sheet with the columns of Actuals ({ACTUALS.describe_required()}) or of Revenue Actuals "
                         f"({REVENUE_ACTUALS.describe_required()}) in its first 20 rows (sheets: {', '.join(names)})")
            return
        read_actual_sheets(report, file, wb, named, calendar, part)
    except UnreadableFile as exc:
        report.error(file, getattr(exc, "sheet", ""), getattr(exc, "cell", ""), f"{file} {exc}")
    finally:
        wb.close()
