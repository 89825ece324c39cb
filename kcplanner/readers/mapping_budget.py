"""A line_items / revenue import mapping applied to a sheet: rows → line items and revenue lines
(the split sends each row to one), with their amounts by fiscal year and phase.  The KPI-export
mapping is kpi_export.py; both start from mapping_sheet.prepare."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import values as V
from ..dataset import REVENUE_KEYS, SOURCE_COLUMNS, amounts_frame
from ..fiscal import LINE_ITEM_PHASES, REVENUE_PHASES
from ..report import ValidationReport, column_letter
from .budget import _group_long
from .common import sources
from .mapping import Mapping
from .mapping_fields import account_class, amount_column, flag, phase, rate, text, year
from .mapping_sheet import Context, MappedPart, key, prepare_checked


def destinations(ctx: Context) -> np.ndarray:
    """Per row: "line_items", "revenue" or "" (excluded by the split)."""
    t, m = ctx.t, ctx.m
    n = t.data.shape[0]
    if m.split is None:
        return np.full(n, m.table, dtype=object)
    vm = {key(k): v for k, v in m.split.values.items()}
    codes, uniques = t.factorized(ctx.split_col)
    dest_u = np.array([vm.get(key(u), "") for u in uniques] + [""], dtype=object)
    dest = dest_u[codes]
    head = t.header_text(ctx.split_col)
    unmapped = (dest == "") & t.live
    if unmapped.any():
        vals = sorted({str(v).strip() or "(blank)" for v in t.data[unmapped, ctx.split_col]})
        t.report.warning(t.file, t.sheet, column_letter(ctx.split_col),
                         f"{int(unmapped.sum())} row(s) whose {head!r} is {', '.join(map(repr, vals[:10]))} are not "
                         f"imported: the mapping's split sends only {', '.join(map(repr, m.split.values))}")
        t.exclude(unmapped, f"{head} not in the split")
    skip = (dest == "skip") & t.live
    if skip.any():
        t.exclude(skip, f"{head} skipped by the split")
    dest = np.where(dest == "skip", "", dest)
    return dest


def check_mapping(m: Mapping) -> list[str]:
    """Problems of a line_items / revenue mapping that no sheet can fix (missing fields, amounts)."""
    out = []
    dests = m.destinations()
    for d in sorted(dests & {"line_items", "revenue"}):
        for f in ("fund", "department", "program") if d == "line_items" else ("fund",):
            if m.source_of(f) is None:
                out.append(f"the field {f} (needed by {d}) has no column and no constant")
        if d == "revenue" and m.source_of("source") is None and m.source_of("account") is None:
            out.append("the field source (needed by revenue) has no column and no constant (nor an account column "
                       "to take it from)")
    if not m.amount and not m.amounts:
        out.append("no amounts: give 'amount' (one column) or 'amounts' (one column per year and phase)")
    if m.amount:
        for f in ("fiscal_year", "phase"):
            if m.source_of(f) is None:
                out.append(f"'amount' needs the {f.replace('_', ' ')} from a column or a constant")
    for c, (y, ph) in m.amounts.items():
        if "line_items" in dests and ph not in LINE_ITEM_PHASES:
            out.append(f"the amount column {c!r} has the phase {ph}, which line items do not have "
                       f"({', '.join(LINE_ITEM_PHASES)})")
        if "revenue" in dests and ph not in REVENUE_PHASES:
            out.append(f"the amount column {c!r} has the phase {ph}, which revenue does not have "
                       f"({', '.join(REVENUE_PHASES)})")
    return out


def apply_budget(sheet, m: Mapping, report: ValidationReport, file: str, sheet_name: str) -> MappedPart | None:
    """Apply a line_items / revenue mapping to a sheet (a workbook.Sheet or a 2-D object array)."""
    ctx = prepare_checked(sheet, m, report, file, sheet_name, check_mapping(m), "import mapping")
    if ctx is None:
        return None
    t, part = ctx.t, ctx.part
    n = t.data.shape[0]
    dest = destinations(ctx)
    is_line = dest == "line_items"
    is_rev = dest == "revenue"
    fund = text(ctx, "fund", "a fund name")
    dept = text(ctx, "department", "a department name", rows=is_line)
    prog = text(ctx, "program", "a program name", rows=is_line)
    acct = text(ctx, "account")
    if is_rev.any():
        src = text(ctx, "source", "a revenue source", rows=is_rev) if m.source_of("source") else acct
        if m.source_of("source") is None:
            jj = ctx.fields.get("account")
            for i in np.flatnonzero(is_rev & pd.isna(src) & t.live):
                if jj is not None:
                    t.cell_error(int(i), jj, "expected a revenue source (the account), found a blank cell", kind="blank")
    else:
        src = np.full(n, None, dtype=object)
    acls = account_class(ctx, is_line) if is_line.any() else np.full(n, "Other", dtype=object)
    rec = flag(ctx)
    growth = rate(ctx, "growth") if is_rev.any() else np.zeros(n)
    wide = {yp: amount_column(ctx, j) for j, yp in ctx.amount_cols.items()}
    if m.amount:
        fy = year(ctx, is_line | is_rev)
        ph = phase(ctx, dest)
        amt = amount_column(ctx, ctx.amount_col)
    keep = t.close()
    acct_li = np.where(pd.isna(acct), acls, acct)
    # per-row detail for the dialog
    detail = {"row": t.header_row + 2 + np.arange(n), "table": dest, "fund": fund, "department": dept,
              "program": prog, "account": acct_li if is_line.any() else acct, "account_class":
              np.where(is_line, acls, None), "source": np.where(is_rev, src, None), "recurring": rec}
    if m.amount:
        detail.update({"fiscal_year": fy, "phase": ph, "amount": amt})
    for (y, p), v in sorted(wide.items()):
        detail[f"FY{y} {p}"] = v
    detail["excluded"] = t.reasons
    part.rows = pd.DataFrame(detail)
    L = keep & is_line
    R = keep & is_rev

    def single(mask) -> bool:  # one year and one phase over these rows (constants, or a column with one value)
        return len(set(fy[mask].tolist())) == 1 and len(set(ph[mask].tolist())) == 1

    def per_row_amounts(mask, phases, lines) -> pd.DataFrame:
        cols = {yp: v[mask] for yp, v in wide.items() if yp[1] in phases}
        if m.amount:
            yp = (int(fy[mask][0]), ph[mask][0])
            a = amt[mask]
            cols[yp] = np.where(np.isnan(a), cols[yp], a + np.nan_to_num(cols[yp])) if yp in cols else a
        order = sorted(cols)
        am = amounts_frame(lines, order)
        if order:
            am[:] = np.column_stack([cols[c] for c in order])
        return am

    for mask in (L, R):
        if mask.any() and m.amount and wide and not single(mask):
            report.error(file, sheet_name, "", "the mapping has both 'amount' (whose year or phase varies by row) "
                         "and 'amounts'; with both, the year and the phase of 'amount' must be one each")
            return None
    if L.any():
        srcs = sources(t, L)
        if m.amount and not wide and not single(L):
            # rows of the same line in several years or phases: grouped like the long layout
            li, am = _group_long(fund[L], dept[L], prog[L], acct_li[L], acls[L], rec[L], fy[L], ph[L], amt[L], srcs)
        else:  # each row is one line item
            li = pd.DataFrame({"fund": fund[L], "department": dept[L], "program": prog[L], "account": acct_li[L],
                               "account_class": acls[L], "recurring": rec[L], **srcs})
            am = per_row_amounts(L, LINE_ITEM_PHASES, len(li))
        part.line_items, part.amounts = li, am
    if R.any():
        srcs = sources(t, R)
        rv = pd.DataFrame({"fund": fund[R], "source": src[R], "recurring": rec[R], "growth": growth[R], **srcs})
        if m.amount and not wide:
            # a revenue line is a fund and a source: rows of the same one are added up
            rv, ram = _group_revenue(rv, fy[R], ph[R], amt[R])
        else:
            ram = per_row_amounts(R, REVENUE_PHASES, len(rv))
        part.revenue, part.revenue_amounts = rv[REVENUE_KEYS + SOURCE_COLUMNS], ram
    return part


def _group_revenue(rv: pd.DataFrame, fy, ph, amt):
    """Rows with the same fund, source, recurring and growth make one revenue line (amounts added)."""
    codes = [pd.factorize(V.name_key(rv[c].astype(object)))[0] for c in ("fund", "source")]
    codes += [pd.factorize(rv["recurring"])[0], pd.factorize(rv["growth"])[0]]
    group = pd.DataFrame(dict(enumerate(codes))).groupby(list(range(len(codes))), sort=False).ngroup().to_numpy()
    first = pd.Series(np.arange(len(group))).groupby(group).min().sort_index().to_numpy()
    lines = rv.iloc[first].reset_index(drop=True)
    vals = pd.DataFrame({"g": group, "fiscal_year": fy.astype(np.int64), "phase": ph, "amount": amt})
    summed = vals.groupby(["g", "fiscal_year", "phase"], sort=True)["amount"].sum(min_count=1)
    wide = summed.unstack(["fiscal_year", "phase"]).reindex(np.arange(len(first))).sort_index(axis=1)
    am = amounts_frame(len(lines), list(wide.columns))
    am[:] = wide.to_numpy(dtype=float)
    return lines, am
