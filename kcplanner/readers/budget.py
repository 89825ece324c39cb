"""Department budget workbooks: Line Items (wide or long amounts), Positions, Requests."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import values as V
from ..dataset import LINE_ITEM_KEYS, POSITION_COLUMNS, REQUEST_COLUMNS, SOURCE_COLUMNS, Budget, amounts_frame
from ..fiscal import LINE_ITEM_PHASES, parse_phase, parse_prefixed_year, parse_year_phase
from ..report import ValidationReport, a1, column_letter
from . import bounds as B
from . import common as K
from .columns import LINE_ITEMS, POSITIONS, REQUEST_TYPE_ALIASES, REQUEST_TYPE_LOOKUP, REQUESTS
from .table import find_sheet, open_table
from .unreadable import UnreadableFile
from .workbook import Sheet, Workbook, open_or_report


@dataclass
class BudgetPart:
    """What one file contributed, before merging."""

    line_items: list[pd.DataFrame] = field(default_factory=list)
    amounts: list[pd.DataFrame] = field(default_factory=list)
    positions: list[pd.DataFrame] = field(default_factory=list)  # + source columns, for cross-checks
    requests: list[pd.DataFrame] = field(default_factory=list)
    request_costs: list[pd.DataFrame] = field(default_factory=list)


def _wide_columns(headers: list, taken: set[int]) -> dict[int, tuple[int, str]]:
    out = {}
    for j, h in enumerate(headers):
        if j in taken or h is None or h == "":
            continue
        yp = parse_year_phase(h.strip() if isinstance(h, str) else h, LINE_ITEM_PHASES)
        if yp:
            out[j] = yp
    return out


def _has_amounts(found: dict[str, list[int]], row: list) -> bool:
    if {"fiscal_year", "phase", "amount"} <= found.keys():
        return True
    taken = {j for js in found.values() for j in js}
    return bool(_wide_columns(row, taken))


def read_line_items(report: ValidationReport, file: str, sheet: Sheet, part: BudgetPart) -> bool:
    """Read one Line Items sheet into `part`; False when the sheet has no usable header."""
    t = open_table(report, file, sheet.name, sheet, LINE_ITEMS, accept=_has_amounts, require_found=False)
    if t is None:
        plain = open_table(report, file, sheet.name, sheet, LINE_ITEMS, require_found=False)
        if plain is not None:
            report.rows.remove(plain.count)
            found = plain.found  # type: ignore[attr-defined]
            long_have = [LINE_ITEMS.column(f).name for f in ("fiscal_year", "phase", "amount") if f in found]
            long_miss = [LINE_ITEMS.column(f).describe() for f in ("fiscal_year", "phase", "amount") if f not in found]
            hint = (f"; the long layout has {', '.join(long_have)} but needs {'; '.join(long_miss)} too "
                    "(or an import mapping that gives the year and phase)") if long_have else ""
            from .table import typo_hint

            report.error(file, sheet.name, f"A{plain.header_row + 1}",
                         f"the header row (row {plain.header_row + 1}) has no amount columns; expected "
                         + LINE_ITEMS.extra + hint + typo_hint(sheet.grid(), plain.header_row, LINE_ITEMS))
            return True
        return False
    found = t.found  # type: ignore[attr-defined]
    taken = {j for js in found.values() for j in js}
    long_layout = {"fiscal_year", "phase", "amount"} <= found.keys()
    wide = {} if long_layout else _wide_columns(t.headers, taken)
    if long_layout:
        for f in ("fiscal_year", "phase", "amount"):
            t.fields[f] = found[f][0]
    else:
        for f in ("fiscal_year", "phase", "amount"):
            t.fields.pop(f, None)
    # duplicate (year, phase) columns
    seen: dict[tuple[int, str], int] = {}
    for j, yp in list(wide.items()):
        if yp in seen:
            report.error(file, sheet.name, f"{column_letter(j)}{t.header_row + 1}",
                         f"a second column for {yp[1]} {yp[0]} (the first is {column_letter(seen[yp])}"
                         f"{t.header_row + 1}); expected one column a year and phase")
            del wide[j]
        else:
            seen[yp] = j
    used = K.used_columns(t, list(wide))
    K.warn_ignored(report, t, used, "a known column or a year-and-phase amount")

    amount_cols = set(wide) | ({t.fields["amount"]} if long_layout else set())
    t.drop_blank_rows(used, amount_cols)
    t.drop_subtotals(["fund", "department", "program", "account"])
    expected = {t.fields[f]: "a " + f.replace("_", " ") for f in ("fund", "department", "program")}
    for j in wide:
        expected[j] = "an amount"
    if long_layout:
        expected[t.fields["amount"]] = "an amount"
        expected[t.fields["fiscal_year"]] = "a fiscal year"
        expected[t.fields["phase"]] = "a phase"
    t.flag_error_cells(used, expected, parsed=amount_cols)

    fund = K.text(t, "fund", "a fund name", required=True)
    dept = K.text(t, "department", "a department name", required=True)
    prog = K.text(t, "program", "a program name", required=True)
    acls = K.account_class(t)
    acct_cols = found.get("account", [])
    if len(acct_cols) > 1:  # code and description in separate columns: "5110 Salaries"
        pieces = [V.clean_text(t.data[:, j]) for j in acct_cols]
        joined = pieces[0].fillna("")
        for p in pieces[1:]:
            joined = joined.str.cat(p.fillna(""), sep=" ")
        acct = joined.str.strip().replace("", None).to_numpy(dtype=object)
    else:
        acct = K.text(t, "account", "an account")
    rec = K.flag(t, "recurring", True)

    if long_layout:
        fy = K.year(t, "fiscal_year")
        jp = t.fields["phase"]
        codes, uniques = t.factorized(jp)
        ph_u = np.empty(len(uniques) + 1, dtype=object)
        badu = np.zeros(len(uniques) + 1, dtype=bool)
        for k, u in enumerate(uniques):
            ph_u[k] = parse_phase(str(u), LINE_ITEM_PHASES) if str(u).strip() else None
            badu[k] = ph_u[k] is None
        t.report_bad(badu[codes], jp, "a phase: Actual, Adopted or Requested (Submitted, Proposed)")
        phase = ph_u[codes]
        amt = K.amount(t, "amount")
        fy_blank = np.isnan(fy) & t.live & ~t.bad
        for i in np.flatnonzero(fy_blank):
            t.cell_error(int(i), t.fields["fiscal_year"], "expected a fiscal year, found a blank cell", kind="blank")
    else:
        amts = {}
        for j, yp in wide.items():
            amts[yp] = K.amount(t, j)

    goal = K.text(t, "goal", "a goal") if "goal" in t.fields else None
    keep = t.close()
    if not keep.any():
        return True
    acct = np.where(pd.isna(acct), acls, acct)
    src = K.sources(t, keep)
    if goal is not None:  # the optional Goal column, checked against the plan's Goals (crossref.check_goals)
        src["goal"] = goal[keep]
        src["_goal_cell"] = K.cells(t, keep, "goal")
    if not long_layout:
        li = pd.DataFrame({"fund": fund[keep], "department": dept[keep], "program": prog[keep],
                           "account": acct[keep], "account_class": acls[keep], "recurring": rec[keep], **src})
        cols = sorted(amts)
        am = amounts_frame(len(li), cols)
        if cols:
            am[:] = np.column_stack([amts[c][keep] for c in cols])
    else:
        li, am = _group_long(fund[keep], dept[keep], prog[keep], acct[keep], acls[keep], rec[keep],
                             fy[keep], phase[keep], amt[keep], src)
    part.line_items.append(li)
    part.amounts.append(am)
    return True


def _group_long(fund, dept, prog, acct, acls, rec, fy, phase, amt, src):
    """Long rows → one line per (fund, department, program, account, class, recurring)."""
    keys = pd.DataFrame({"fund": fund, "department": dept, "program": prog, "account": acct,
                         "account_class": acls, "recurring": rec})
    codes = []
    for c in LINE_ITEM_KEYS:
        col = keys[c]
        k = col if pd.api.types.is_bool_dtype(col) else V.name_key(col.astype(object))
        codes.append(pd.factorize(k)[0])
    group = pd.DataFrame(dict(enumerate(codes))).groupby(list(range(len(codes))), sort=False).ngroup().to_numpy()
    first = pd.Series(np.arange(len(group))).groupby(group).min().sort_index().to_numpy()
    li = keys.iloc[first].reset_index(drop=True)
    for c, v in src.items():
        li[c] = v[first]
    vals = pd.DataFrame({"g": group, "fiscal_year": fy.astype(np.int64), "phase": phase, "amount": amt})
    summed = vals.groupby(["g", "fiscal_year", "phase"], sort=True)["amount"].sum(min_count=1)
    wide = summed.unstack(["fiscal_year", "phase"]).reindex(np.arange(len(first)))
    wide = wide.sort_index(axis=1)
    am = amounts_frame(len(li), list(wide.columns))
    am[:] = wide.to_numpy(dtype=float)
    return li, am


def read_positions(report: ValidationReport, file: str, sheet: Sheet, part: BudgetPart) -> None:
    t = open_table(report, file, sheet.name, sheet, POSITIONS, what=" of Positions")
    if t is None:
        return
    used = K.used_columns(t)
    K.warn_ignored(report, t, used, "a column of Positions")
    t.drop_blank_rows(used)
    t.drop_subtotals(["department", "program"])
    t.flag_error_cells(used, {})
    dept = K.text(t, "department", "a department name", True)
    prog = K.text(t, "program", "a program name", True)
    pos = K.text(t, "position", "a position title", True)
    fte = K.amount(t, "fte", "a number of FTE", required=True, bounds=B.FTE)
    cost = K.amount(t, "cost_per_fte", "an amount (cost per FTE)")
    keep = t.close()
    if keep.any():
        df = pd.DataFrame({"department": dept[keep], "program": prog[keep], "position": pos[keep],
                           "fte": fte[keep], "cost_per_fte": cost[keep], **K.sources(t, keep),
                           "_dept_cell": K.cells(t, keep, "department"), "_prog_cell": K.cells(t, keep, "program")})
        part.positions.append(df)


def read_requests(report: ValidationReport, file: str, sheet: Sheet, part: BudgetPart) -> None:
    t = open_table(report, file, sheet.name, sheet, REQUESTS, what=" of Requests")
    if t is None:
        return
    found = t.found  # type: ignore[attr-defined]
    taken = {j for js in found.values() for j in js}
    cost_cols = {}
    for j, h in enumerate(t.headers):
        if j not in taken and isinstance(h, str):
            y = parse_prefixed_year(h, "Cost")
            if y is not None:
                cost_cols[j] = y
    used = K.used_columns(t, list(cost_cols))
    K.warn_ignored(report, t, used, 'a column of Requests (costs are headed like "Cost FY2027")')
    t.drop_blank_rows(used, set(cost_cols))
    t.drop_subtotals(["department", "program", "fund"])
    t.flag_error_cells(used, {j: "an amount" for j in cost_cols})
    rid = K.text(t, "request_id", "a request ID", True)
    dept = K.text(t, "department", "a department name", True)
    prog = K.text(t, "program", "a program name", True)
    fund = K.text(t, "fund", "a fund name", True)
    title = K.text(t, "title", "a title", True)
    rtype = K.choice(t, "type", REQUEST_TYPE_LOOKUP, REQUEST_TYPE_ALIASES, "a request type", "Enhancement")
    acls = K.account_class(t)
    rec = K.flag(t, "recurring", True)
    fte = K.amount(t, "fte", "a number of FTE", bounds=B.FTE)
    just = K.text(t, "justification", "")
    kpi = K.text(t, "kpi_id", "")
    rank = K.amount(t, "rank", "a rank (a number)")
    costs = {y: K.amount(t, j) for j, y in cost_cols.items()}
    reduction = rtype == "Reduction"
    for j, y in cost_cols.items():  # savings typed as negatives: say how they are read
        for i in np.flatnonzero(reduction & (costs[y] < 0)):
            report.warning(file, sheet.name, a1(t.header_row + 1 + int(i), j),
                           f"a Reduction's costs are savings: {costs[y][i]:,.0f} is read as a saving of "
                           f"{-costs[y][i]:,.0f} (spending goes down either way)")
    keep = t.close()
    if not keep.any():
        return
    df = pd.DataFrame({"request_id": rid[keep], "department": dept[keep], "program": prog[keep],
                       "fund": fund[keep], "title": title[keep], "type": rtype[keep],
                       "account_class": acls[keep], "recurring": rec[keep], "fte": fte[keep],
                       "justification": just[keep], "kpi_id": kpi[keep], "rank": rank[keep],
                       **K.sources(t, keep),
                       "_id_cell": K.cells(t, keep, "request_id"), "_dept_cell": K.cells(t, keep, "department"),
                       "_prog_cell": K.cells(t, keep, "program"), "_kpi_cell": K.cells(t, keep, "kpi_id")})
    part.requests.append(df)
    rc = pd.DataFrame({y: v[keep] for y, v in sorted(costs.items())}, index=pd.Index(rid[keep], name="request_id"))
    part.request_costs.append(rc)


def read_budget_file(path, report: ValidationReport, part: BudgetPart, cancelled=None, actuals=None,
                     calendar=None) -> None:
    """One department workbook: its Line Items (named, else the first sheet with the columns), Positions,
    Requests, and its Actuals and Revenue Actuals sheets into `actuals` (an `ActualsPart`)."""
    from ..fiscal import FiscalCalendar
    from .actuals import actual_sheet_names, read_actual_sheets

    file = path.name
    wb = open_or_report(path, report)
    if wb is None:
        return
    try:
        names = wb.sheet_names
        pos_name = find_sheet(names, POSITIONS)
        req_name = find_sheet(names, REQUESTS)
        li_name = find_sheet(names, LINE_ITEMS)
        actual_names = actual_sheet_names(names)
        named_actuals = dict(actual_names)
        try:
            found_li = False
            if li_name is not None:
                found_li = read_line_items(report, file, wb.sheet(li_name), part)
                if not found_li:
                    sheet = wb.sheet(li_name)
                    _no_line_items(report, file, li_name, sheet)
                    found_li = True
            else:
                candidates = [n for n in names if n not in (pos_name, req_name) and n not in actual_names]
                empty = True
                for n in candidates:
                    sheet = wb.sheet(n)
                    if sheet.grid().size:
                        empty = False
                    spec = _actuals_layout(sheet.grid(), calendar) if actuals is not None else None
                    if spec is not None:  # an actuals CSV or sheet given among the budgets (a re-import, File > Open)
                        actual_names[n] = spec
                        read_actual_sheets(report, file, wb, {n: spec}, calendar or FiscalCalendar(), actuals)
                        continue
                    if read_line_items(report, file, sheet, part):
                        found_li = True
                        break
                if not found_li and pos_name is None and req_name is None and not actual_names:
                    if empty:
                        report.error(file, "", "", f"{file} is empty: no sheet holds any data")
                    else:
                        report.error(file, "", "", f"{file} has no sheet with the required columns of Line Items: "
                                     f"{LINE_ITEMS.describe_required()}; {LINE_ITEMS.extra} (looked at the first "
                                     f"20 rows of the sheets {', '.join(candidates)})" + _first_hint(wb, candidates))
            if pos_name is not None:
                read_positions(report, file, wb.sheet(pos_name), part)
            if req_name is not None:
                read_requests(report, file, wb.sheet(req_name), part)
            if named_actuals and actuals is not None:
                read_actual_sheets(report, file, wb, named_actuals, calendar or FiscalCalendar(), actuals)
        except UnreadableFile as exc:
            report.error(file, getattr(exc, "sheet", ""), getattr(exc, "cell", ""), f"{file} {exc}")
    finally:
        wb.close()


def _actuals_layout(grid, calendar=None):
    """Actuals or Revenue Actuals recognised by their columns (a Period, no line-item amounts), else None.

    Among the budget files (File > Open, a re-import) the columns alone are not enough: a budget export
    whose Period column holds only fiscal years (`FY2025`) is a budget in another layout (the mapping
    dialog reads its Period as the fiscal year), so a sheet is taken as actuals there only when some
    Period cell is a quarter, a month or a date.  A file given with --actuals is actuals whatever it holds."""
    from ..fiscal import FiscalCalendar
    from ..periods import PeriodError, parse_period
    from .actuals import recognise
    from .table import locate_header

    spec = recognise(grid)
    if spec is None or locate_header(grid, LINE_ITEMS, _has_amounts) is not None:
        return None
    row, found = locate_header(grid, spec)
    cal = calendar or FiscalCalendar()
    for col in found.get("period", [])[:1]:
        for value in dict.fromkeys(grid[row + 1:, col].tolist()):  # each distinct cell once
            try:
                if parse_period(value, cal).kind != "year":
                    return spec
            except PeriodError:
                continue
    return None


def _first_hint(wb: Workbook, names: list[str]) -> str:
    """Typos in the likeliest header row of the first sheet with data (`table.typo_hint`), for a message."""
    from .table import best_guess_row, typo_hint

    for n in names:
        grid = wb.sheet(n).grid()
        if grid.size:
            r, _texts = best_guess_row(grid, LINE_ITEMS)
            hint = typo_hint(grid, r, LINE_ITEMS)
            return f" (sheet {n}{hint})" if hint else ""
    return ""


def _no_line_items(report, file, name, sheet):
    from .table import best_guess_row, typo_hint

    grid = sheet.grid()
    if grid.size == 0:
        report.error(file, name, "", f"{file}: the sheet {name} is empty")
        return
    r, texts = best_guess_row(grid, LINE_ITEMS)
    report.error(file, name, "", f"{file}: the sheet {name} has no header row in its first 20 rows with the required "
                 f"columns {LINE_ITEMS.describe_required()}; {LINE_ITEMS.extra}; the closest row is {r + 1}: "
                 + ", ".join(texts[:15]) + typo_hint(grid, r, LINE_ITEMS))


def merge(part: BudgetPart) -> tuple[Budget, pd.DataFrame, pd.DataFrame]:
    """The parts of every file → one Budget (+ positions and requests with their cells, for cross-checks)."""
    b = Budget()
    if part.line_items:
        b.line_items = pd.concat(part.line_items, ignore_index=True)
        cols = sorted(set().union(*(set(a.columns) for a in part.amounts)))
        am = pd.concat([a.reindex(columns=pd.MultiIndex.from_tuples(cols, names=["fiscal_year", "phase"]))
                        for a in part.amounts], ignore_index=True) if cols else amounts_frame(len(b.line_items))
        am.columns = pd.MultiIndex.from_tuples(list(am.columns), names=["fiscal_year", "phase"])
        b.amounts = am.astype(float)
        b.line_items["recurring"] = b.line_items["recurring"].astype(bool)
        b.line_items["source_row"] = b.line_items["source_row"].astype(np.int64)
    pos_full = pd.concat(part.positions, ignore_index=True) if part.positions else None
    req_full = pd.concat(part.requests, ignore_index=True) if part.requests else None
    if pos_full is not None:
        b.positions = pos_full[POSITION_COLUMNS].reset_index(drop=True)
        b.positions["fte"] = b.positions["fte"].astype(float)
        b.positions["cost_per_fte"] = b.positions["cost_per_fte"].astype(float)
    if req_full is not None:
        b.requests = req_full[REQUEST_COLUMNS + SOURCE_COLUMNS].reset_index(drop=True)
        for c in ("fte", "rank"):
            b.requests[c] = b.requests[c].astype(float)
        b.requests["recurring"] = b.requests["recurring"].astype(bool)
        costs = pd.concat(part.request_costs) if part.request_costs else pd.DataFrame()
        costs = costs[~costs.index.duplicated(keep="first")]
        costs = costs.reindex(columns=sorted(costs.columns)).astype(float)
        costs.index.name = "request_id"
        b.request_costs = costs
    return b, pos_full, req_full
