"""An `actuals` / `revenue_actuals` / `kpi_actuals` import mapping applied to a sheet (an ERP's general-ledger
export, say): rows → Actuals, Revenue Actuals or KPI Actuals rows, with the same checks as the sheet readers
(readers/actuals.py) and the same first pass as every mapping (mapping_sheet.prepare).

    {"table": "actuals", "columns": {"fund": "Fund", "department": "Dept", "program": "Division",
     "account": "Object", "period": "Date"}, "amount": "Amount"}

`amount` names the column of the amounts (of a KPI's values, for kpi_actuals); `period` is a column
(any period form, dates included) or a constant (`"FY2027 Q2"`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..fiscal import FiscalCalendar
from ..periods import EXPECTED, PeriodError, parse_period
from ..report import ValidationReport
from .actuals import ActualsPart, is_date, letters, not_above_zero
from .common import sources
from .mapping import REQUIRED, Mapping
from .mapping_fields import account_class, amount_column, per_unique, text
from .mapping_sheet import prepare_checked
from .table import _blank_value


def check_actuals_mapping(m: Mapping) -> list[str]:
    """Problems of the mapping itself (a field with no column and no constant, no amount column)."""
    out = [f"the field {f} (needed by {m.table}) has no column and no constant"
           for f in REQUIRED[m.table] if m.source_of(f) is None]
    if not m.amount:
        out.append("no amounts: give 'amount' (the column of the " + ("values" if m.table == "kpi_actuals" else
                                                                       "amounts") + ")")
    if m.amounts:
        out.append("'amounts' (a column per year and phase) is for budgets; actuals take 'amount' and a period")
    return out


def _periods(ctx, calendar: FiscalCalendar) -> dict[str, np.ndarray]:
    def one(v):
        if _blank_value(v):
            return "blank"
        try:
            return parse_period(v, calendar)
        except PeriodError as err:
            return str(err)

    vals, j = per_unique(ctx, "period", one, na="blank")
    t = ctx.t
    n = t.data.shape[0]
    ok = np.array([not isinstance(v, str) for v in vals], dtype=bool)
    for i in np.flatnonzero(~ok & t.live & ~t.bad):
        msg = f"expected {EXPECTED}, found a blank cell" if vals[i] == "blank" else f"the period {vals[i]}"
        if j is None:
            ctx.report.error(t.file, t.sheet, "", f"the mapping's constant period: {msg}")
            t.bad |= ~ok
            break
        t.cell_error(int(i), j, msg, kind="period")
    out = {"fiscal_year": np.zeros(n, dtype=np.int64), "first_month": np.zeros(n, dtype=np.int64),
           "last_month": np.zeros(n, dtype=np.int64), "period_kind": np.full(n, None, dtype=object),
           "_dated": per_unique(ctx, "period", is_date, dtype=bool, na=False)[0].astype(bool)}
    if ok.any():  # distinct periods are few: spread them by code
        codes, uniq = pd.factorize(pd.Series(vals[ok], dtype=object))
        for c, attr in (("fiscal_year", "fiscal_year"), ("first_month", "first_month"), ("last_month", "last_month")):
            out[c][ok] = np.array([getattr(p, attr) for p in uniq], dtype=np.int64)[codes]
        out["period_kind"][ok] = np.array([p.kind for p in uniq], dtype=object)[codes]
    return out


def apply_actuals_mapping(sheet, m: Mapping, report: ValidationReport, file: str, sheet_name: str,
                          calendar: FiscalCalendar, part: ActualsPart, kpi_rows: list | None = None) -> bool:
    """Apply the mapping to a sheet; rows go into `part` (actuals, revenue actuals) or `kpi_rows`."""
    ctx = prepare_checked(sheet, m, report, file, sheet_name, check_actuals_mapping(m), "import mapping")
    if ctx is None:
        return False
    t = ctx.t
    per = _periods(ctx, calendar)
    amt = amount_column(ctx, ctx.amount_col)
    for i in np.flatnonzero(np.isnan(amt) & t.live & ~t.bad):
        t.cell_error(int(i), ctx.amount_col, "expected an amount, found a blank cell", kind="blank")
    if m.table == "actuals":
        fund = text(ctx, "fund", "a fund name")
        dept = text(ctx, "department", "a department name")
        prog = text(ctx, "program", "a program name")
        acct = text(ctx, "account")
        given = m.source_of("account_class") is not None
        acls = account_class(ctx, t.live) if given else np.full(t.data.shape[0], None, dtype=object)
        keep = t.close()
        frame = pd.DataFrame({"fund": fund[keep], "department": dept[keep], "program": prog[keep],
                              "account": acct[keep], "account_class": acls[keep],
                              **{c: v[keep] for c, v in per.items()}, "amount": amt[keep], **sources(t, keep),
                              **_cells(t, ctx, keep, {"_fund_cell": "fund", "_dept_cell": "department",
                                                      "_prog_cell": "program", "_period_cell": "period"})})
        part.add("actuals", frame, t.count)
    elif m.table == "revenue_actuals":
        fund = text(ctx, "fund", "a fund name")
        src = text(ctx, "source", "a revenue source")
        keep = t.close()
        frame = pd.DataFrame({"fund": fund[keep], "source": src[keep], **{c: v[keep] for c, v in per.items()},
                              "amount": amt[keep], **sources(t, keep),
                              **_cells(t, ctx, keep, {"_fund_cell": "fund", "_source_cell": "source",
                                                      "_period_cell": "period"})})
        part.add("revenue", frame, t.count)
    else:
        kid = text(ctx, "kpi_id", "a KPI ID")
        not_above_zero(t, kid, per["fiscal_year"], amt, ctx.amount_col, per["period_kind"] == "year")
        keep = t.close()
        frame = pd.DataFrame({"kpi_id": kid[keep], **{c: v[keep] for c, v in per.items()}, "value": amt[keep],
                              **sources(t, keep),
                              **_cells(t, ctx, keep, {"_kpi_cell": "kpi_id", "_period_cell": "period"})})
        if kpi_rows is not None:
            kpi_rows.append((frame, t.count))
    return True


def _cells(t, ctx, keep, wanted: dict[str, str]) -> dict[str, np.ndarray]:
    for f in wanted.values():
        if f in ctx.fields:
            t.fields[f] = ctx.fields[f]
    return letters(t, keep, wanted)
