"""The scenario workbook: a live Excel workbook of one scenario, for council and for the next round.

Sheets (docs/export.md): Summary, Funds, Departments, KPIs, Charts, Revenue, Line Items, Rules.
Line Items and Revenue hold the engine's figures as values; Departments, Funds and the Summary
totals are formulas over them (SUMIFS), each written with the engine's figure as its cached value
so that viewers that do not recalculate show the right numbers, and a spreadsheet that does keeps
working when an analyst edits a line.  Written with xlsxwriter in constant_memory mode: every
sheet is written top to bottom, the line rows straight from numpy arrays.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import xlsxwriter

from ..atomic import OutputError, atomic_path, scratch_dir
from ._common import (WORKBOOK_OPTIONS, ExportInfo, Steps, cell, col_range, formula_value, make_formats,
                      now_text, print_setup, set_literal_title, sheet_ref, sum_by, write_num, write_summary_head,
                      write_text)
from .rules_sheet import write_rules_sheet

LINE_SHEET = "Line Items"
REVENUE_SHEET = "Revenue"
FUNDS_SHEET = "Funds"
DEPARTMENTS_SHEET = "Departments"
KPI_SHEET = "KPIs"
CHART_SHEET = "Charts"
SUMMARY_SHEET = "Summary"
SHEETS = [SUMMARY_SHEET, FUNDS_SHEET, DEPARTMENTS_SHEET, KPI_SHEET, CHART_SHEET, REVENUE_SHEET, LINE_SHEET, "Rules"]
HISTORY_SHEET = "History"  # only with history_rows (a project's audit trail)
HISTORY_WIDTHS = [7, 25, 12, 24, 10, 80, 30, 30]

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
MAX_KPI_CHARTS = 8
MAX_FUND_SERIES = 12
PROGRESS_EVERY = 5000


@dataclass
class _Layout:
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


def export_scenario(prepared, results, out_path: str | Path, *, sources: Sequence[str | Path] | None = None,
                    progress=None, cancelled=None, exported_at: _dt.datetime | None = None,
                    history_rows: Sequence[Sequence[Any]] | None = None) -> ExportInfo:
    """Write the scenario workbook of `results` (an `evaluate(prepared, scenario)`) to `out_path`.

    `sources`: the input files to list with their SHA-256 (default: the dataset's own list).
    `progress(fraction, text)` is called as sheets are written; `cancelled()` returning True stops
    the export with ExportCancelled.  The target is replaced only when the workbook is complete;
    a target that is read-only or open elsewhere gives OutputError and is left as it was.
    `history_rows` (header first, e.g. `project.export_history_rows()`): the project's audit trail,
    written as a last "History" sheet (text as text, never a formula; the header frozen, an
    autofilter).  None (the default) writes no History sheet.
    """
    steps = Steps(progress, cancelled)
    out_path = Path(out_path)
    if out_path.suffix.lower() != ".xlsx":
        raise OutputError(f"{out_path}: a scenario workbook is an .xlsx file; choose a name ending in .xlsx")
    P, R = prepared, results
    if R.line_amounts()[0].shape[0] != P.n_lines:
        raise ValueError("results and prepared come from different datasets")
    if sources is None:
        sources = list(getattr(P.dataset, "sources", []) or [])
    steps(0.0, "Preparing the export")
    info = ExportInfo(path=out_path, sheets=list(SHEETS) + ([HISTORY_SHEET] if history_rows is not None else []))
    with atomic_path(out_path) as tmp, scratch_dir(out_path) as scratch:
        # the writer's scratch files go beside the target, not to /tmp (docs/export.md)
        wb = xlsxwriter.Workbook(str(tmp), {**WORKBOOK_OPTIONS, "constant_memory": True, "tmpdir": str(scratch)})
        try:
            _write(wb, P, R, sources, steps, info, exported_at)
            if history_rows is not None:
                steps(0.96, "Writing the history")
                _write_history(wb, make_formats(wb), list(history_rows))
            steps(0.97, "Saving the workbook")
            wb.close()
        except BaseException:
            _discard(wb)
            raise
    steps(1.0, "Done")
    return info


def _write_history(wb, fmt, rows: list) -> None:
    """The audit trail: the header row bold and frozen, numbers as numbers, everything else as
    text (a change text starting with "=" stays text)."""
    ws = wb.add_worksheet(HISTORY_SHEET)
    width = max((len(r) for r in rows), default=0)
    for c in range(width):
        ws.set_column(c, c, HISTORY_WIDTHS[c] if c < len(HISTORY_WIDTHS) else 20)
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if r == 0:
                write_text(ws, r, c, v, fmt["header"])
            elif isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
                write_num(ws, r, c, v)
            else:
                write_text(ws, r, c, None if v is None else str(v)[:32767])
    if rows:
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(0, len(rows) - 1), max(0, width - 1))


def _discard(wb) -> None:
    """Remove xlsxwriter's per-sheet temporary files of an abandoned workbook."""
    for ws in wb.worksheets():
        fh = getattr(ws, "row_data_fh", None)
        with contextlib.suppress(Exception):
            if fh is not None:
                fh.close()
        name = getattr(ws, "row_data_filename", None)
        with contextlib.suppress(Exception):
            if name:
                os.remove(name)


def _line_arrays(P, R) -> dict[str, Any]:
    """Every Line Items column as a Python list (budget lines, then the funded request lines)."""
    base, scen = R.line_amounts()
    g = P.line_group
    names = lambda vocab: np.array(list(vocab.names) + [None], dtype=object)  # noqa: E731
    li = P.dataset.budget.line_items

    def col(name: str, n: int) -> np.ndarray:
        if name in li.columns:
            return li[name].to_numpy(dtype=object, na_value=None)
        return np.full(n, None, dtype=object)

    n = P.n_lines
    keys = [
        names(P.funds)[P.g_fund[g]], names(P.departments)[P.g_dept[g]], names(P.programs)[P.g_prog[g]],
        col("account", n), names(P.classes)[P.g_class[g]], np.where(P.line_recurring, "Y", "N").astype(object),
        np.full(n, "Budget", dtype=object), np.full(n, None, dtype=object),
        col("source_file", n), col("source_sheet", n), col("source_row", n),
    ]
    q = R.requests
    nq = len(q.ids)
    req_src = {}
    rq = P.dataset.budget.requests
    if nq and "request_id" in rq.columns:
        ids = rq["request_id"].astype(object).tolist()
        srcs = [rq[c].to_numpy(dtype=object, na_value=None) if c in rq.columns else [None] * len(rq)
                for c in ("source_file", "source_sheet", "source_row")]
        for j, rid in enumerate(ids):
            req_src.setdefault(str(rid).strip().casefold(), tuple(s[j] for s in srcs))
    req_keys = [q.funds, q.departments, q.programs, [f"Request: {t}" if t else "Request" for t in q.titles],
                q.account_classes, ["Y" if r else "N" for r in np.asarray(q.recurring).tolist()], ["Request"] * nq,
                list(q.ids)]
    for k in range(3):
        req_keys.append([req_src.get(str(i).strip().casefold(), (None, None, None))[k] for i in q.ids])
    key_lists = [list(a.tolist()) + list(b) for a, b in zip(keys, req_keys)]
    # source rows as ints (they come back from pandas as numpy ints or floats)
    key_lists[10] = [int(v) if v is not None and v == v else None for v in key_lists[10]]
    costs = np.asarray(q.costs, dtype=float).reshape(nq, len(R.plan_years))
    ny = len(R.plan_years)
    nums = np.zeros((n + nq, 3 * ny))  # Baseline | Scenario | Change; request lines have no baseline
    nums[:n, :ny] = base
    nums[:n, ny:2 * ny] = scen
    nums[n:, ny:2 * ny] = costs
    np.subtract(nums[:, ny:2 * ny], nums[:, :ny], out=nums[:, 2 * ny:])
    return {"keys": key_lists, "nums": nums, "n": n + nq, "n_requests": nq}


def _write(wb, P, R, sources, steps: Steps, info: ExportInfo, exported_at) -> None:
    fmt = make_formats(wb)
    years, labels = list(R.plan_years), list(R.year_labels)
    steps(0.02, "Collecting line items")
    lines = _line_arrays(P, R)
    rev = R.revenue
    L = _Layout(years, labels, lines["n"], len(rev.funds))
    info.line_rows = lines["n"]
    formulas = [0]

    # Worksheets in display order; each is written top to bottom (constant_memory).
    ws_summary = wb.add_worksheet(SUMMARY_SHEET)
    ws_funds = wb.add_worksheet(FUNDS_SHEET)
    ws_depts = wb.add_worksheet(DEPARTMENTS_SHEET)
    ws_kpis = wb.add_worksheet(KPI_SHEET)
    ws_charts = wb.add_worksheet(CHART_SHEET)
    ws_rev = wb.add_worksheet(REVENUE_SHEET)
    ws_lines = wb.add_worksheet(LINE_SHEET)

    steps(0.05, "Writing line items")
    _write_lines(ws_lines, fmt, L, lines, steps)
    steps(0.80, "Writing revenue")
    _write_revenue(ws_rev, fmt, L, rev)
    steps(0.83, "Writing departments")
    _write_departments(ws_depts, fmt, L, R, lines, formulas)
    steps(0.86, "Writing funds")
    fund_names = _write_funds(ws_funds, fmt, L, P, R, formulas)
    steps(0.89, "Writing KPIs")
    kpi_rows = _write_kpis(ws_kpis, fmt, L, R)
    steps(0.91, "Writing charts")
    _write_charts(wb, ws_charts, fmt, L, R, kpi_rows, fund_names)
    steps(0.93, "Writing the summary")
    _write_summary(ws_summary, fmt, L, P, R, sources, formulas, exported_at)
    steps(0.95, "Writing the rules")
    _write_rules(wb, fmt, P, R)
    info.formula_cells = formulas[0]
    ws_summary.activate()


# -- Line Items ------------------------------------------------------------------------------------

def _write_lines(ws, fmt, L: _Layout, lines, steps: Steps) -> None:
    headers = LINE_KEY_HEADERS + [f"{k} {lab}" for k in ("Baseline", "Scenario", "Change") for lab in L.labels]
    widths = [12, 22, 24, 28, 20, 9, 9, 12, 18, 12, 9]
    for j, w in enumerate(widths):
        ws.set_column(j, j, w, fmt["int"] if j == 10 else None)
    ws.set_column(LI_FIRST_AMOUNT, LI_FIRST_AMOUNT + 14, 16, fmt["money"])
    ws.set_row(0, 32)
    for j, h in enumerate(headers):
        ws.write_string(0, j, h, fmt["header"])
    n = lines["n"]
    keys = lines["keys"]
    nums = lines["nums"]
    write_row = ws.write_row
    # Numbers go to Python floats a chunk at a time (all at once would hold ~25 bytes per cell).
    for a in range(0, n, PROGRESS_EVERY):
        b = min(a + PROGRESS_EVERY, n)
        rows = zip(zip(*(k[a:b] for k in keys)), nums[a:b].tolist())
        for r, (key, num) in enumerate(rows, start=a + 1):
            write_row(r, 0, key)
            write_row(r, LI_FIRST_AMOUNT, num)
        steps(0.05 + 0.75 * b / max(n, 1), f"Writing line items ({b:,} of {n:,})")
    last_col = len(headers) - 1
    ws.freeze_panes(1, 3)
    ws.autofilter(0, 0, max(n, 1), last_col)
    print_setup(ws, (0, 0), "Line items: baseline and scenario")


# -- Revenue -----------------------------------------------------------------------------------------

def _write_revenue(ws, fmt, L: _Layout, rev) -> None:
    headers = REV_KEY_HEADERS + [f"{k} {lab}" for k in ("Baseline", "Scenario", "Change") for lab in L.labels]
    ws.set_column(0, 0, 14)
    ws.set_column(1, 1, 28)
    ws.set_column(2, 2, 9)
    ws.set_column(REV_FIRST_AMOUNT, REV_FIRST_AMOUNT + 14, 16, fmt["money"])
    ws.set_row(0, 32)
    for j, h in enumerate(headers):
        ws.write_string(0, j, h, fmt["header"])
    base = np.asarray(rev.baseline, dtype=float).reshape(len(rev.funds), 5)
    scen = np.asarray(rev.scenario, dtype=float).reshape(len(rev.funds), 5)
    nums = np.hstack([base, scen, scen - base]).tolist()
    rec = np.asarray(rev.recurring).tolist()
    for r, (f, s, rc, num) in enumerate(zip(rev.funds, rev.sources, rec, nums), start=1):
        write_text(ws, r, 0, f)
        write_text(ws, r, 1, s)
        ws.write_string(r, 2, "Y" if rc else "N")
        ws.write_row(r, REV_FIRST_AMOUNT, num)
    ws.freeze_panes(1, 2)
    ws.autofilter(0, 0, max(len(rev.funds), 1), len(headers) - 1)
    print_setup(ws, (0, 0), "Revenue: baseline and scenario")


# -- Departments ---------------------------------------------------------------------------------------

def _write_departments(ws, fmt, L: _Layout, R, lines, formulas) -> None:
    d = R.by_department
    hr = 3
    ws.set_column(0, 0, 28)
    ws.set_column(1, 15, 16)
    ws.write_string(0, 0, "Expenditure by department", fmt["title"])
    ws.write_string(1, 0, "Formulas: SUMIFS over the Line Items sheet (budget lines and funded requests); "
                          "edit a line there and these totals follow.", fmt["muted"])
    headers = ["Department"] + [f"{k} {lab}" for k in ("Baseline", "Scenario", "Change") for lab in L.labels]
    ws.set_row(hr, 32)
    for j, h in enumerate(headers):
        ws.write_string(hr, j, h, fmt["header"])
    base = np.asarray(d.baseline, dtype=float)
    scen = np.asarray(d.scenario, dtype=float)
    dept_rng = L.li_range(LI_DEPT)
    first = hr + 1
    for i, name in enumerate(d.names):
        r = first + i
        write_text(ws, r, 0, name)
        crit = cell(r, 0, col_abs=True)
        for t in range(5):
            for block, values in ((0, base), (1, scen)):
                f = sum_by(L.li_range(L.li_col(block, t)), [(dept_rng, crit, name)])
                ws.write_formula(r, 1 + 5 * block + t, "=" + f, fmt["money"], formula_value(values[i, t]))
            ws.write_formula(r, 11 + t, f"={cell(r, 6 + t)}-{cell(r, 1 + t)}", fmt["money"],
                             formula_value(scen[i, t] - base[i, t]))
            formulas[0] += 3
    last = first + len(d.names) - 1
    tr = last + 1
    ws.write_string(tr, 0, "Total", fmt["label"])
    totals = np.hstack([base.sum(axis=0), scen.sum(axis=0), (scen - base).sum(axis=0)]) if len(d.names) else \
        np.zeros(15)
    for j in range(15):
        c = 1 + j
        rng = f"{cell(first, c)}:{cell(max(last, first), c)}"
        ws.write_formula(tr, c, f"=SUM({rng})", fmt["money_total"], formula_value(totals[j]))
        formulas[0] += 1
    ws.freeze_panes(hr + 1, 1)
    print_setup(ws, (hr, hr), "Expenditure by department")


# -- Funds ----------------------------------------------------------------------------------------------

def _write_funds(ws, fmt, L: _Layout, P, R, formulas) -> list[str]:
    F = R.funds
    base_funds = P.baseline_results().funds
    fy = FUNDS_FIRST_YEAR_COL
    ws.set_column(0, 0, 14)
    ws.set_column(1, 1, 24)
    ws.set_column(2, 2, 24)
    ws.set_column(fy, fy + 4, 17)
    ws.set_column(fy + 5, fy + 7, 10)
    ws.write_string(0, 0, "Fund balances", fmt["title"])
    ws.write_string(1, 0, "Ending balance = beginning balance + revenue − expenditure. Revenue sums the Revenue "
                          "sheet, expenditure the Line Items sheet (SUMIFS by fund); reserve ratio = ending "
                          "balance / expenditure, shaded red below the floor, amber below the target, blue above "
                          "the ceiling.", fmt["muted"])
    headers = ["Fund", "Fund name", "Measure"] + list(L.labels) + ["Floor", "Target", "Ceiling"]
    hr = FUNDS_HEADER_ROW
    ws.set_row(hr, 20)
    for j, h in enumerate(headers):
        ws.write_string(hr, j, h, fmt["header"])
    names_by_key = {}
    funds = P.dataset.plan.funds
    if len(funds) and "fund" in funds.columns and "fund_name" in funds.columns:
        for f, nm in zip(funds["fund"].astype(object), funds["fund_name"].astype(object)):
            if f is not None and f == f and nm is not None and nm == nm:
                names_by_key.setdefault(" ".join(str(f).split()).casefold(), str(nm))
    fund_rng = L.li_range(LI_FUND)
    rec_rng = L.li_range(LI_REC)
    rev_fund_rng = L.rev_range(0)
    rev_rec_rng = L.rev_range(2)
    status_fmt = {"bad": fmt["bad"], "warn": fmt["warn"], "high": fmt["high"]}
    for f, name in enumerate(F.names):
        rows = {m: L.fund_row(f, m) for m in FUND_MEASURES}
        crit = lambda r: cell(r, 0, col_abs=True)  # noqa: E731
        values = {
            "Revenue": F.revenue[f], "Expenditure": F.expenditure[f], "Ending balance": F.balance[f],
            "Reserve ratio": F.reserve_ratio[f], "Recurring revenue": F.recurring_revenue[f],
            "Recurring expenditure": F.recurring_expenditure[f], "Structural balance": F.structural[f],
            "Baseline revenue": base_funds.revenue[f], "Baseline expenditure": base_funds.expenditure[f],
            "Baseline ending balance": base_funds.balance[f],
            "Change in ending balance": F.balance[f] - base_funds.balance[f],
        }
        begin = np.concatenate([[F.beginning_balance[f]], F.balance[f][:-1]])
        values["Beginning balance"] = begin
        cells: dict[str, list] = {m: [] for m in FUND_MEASURES}  # measure → 5 formulas (None = a value)
        for t in range(5):
            c = fy + t
            at = lambda m: cell(rows[m], c)  # noqa: E731
            forms = {
                # Beginning balance: the plan's value in y1, then last year's ending balance.
                "Beginning balance": None if t == 0 else cell(rows["Ending balance"], c - 1),
                "Revenue": sum_by(L.rev_range(L.rev_col(1, t)), [(rev_fund_rng, crit(rows["Revenue"]), name)]),
                "Expenditure": sum_by(L.li_range(L.li_col(1, t)), [(fund_rng, crit(rows["Expenditure"]), name)]),
                "Ending balance": f"{at('Beginning balance')}+{at('Revenue')}-{at('Expenditure')}",
                "Reserve ratio": f'IF({at("Expenditure")}=0,"",{at("Ending balance")}/{at("Expenditure")})',
                "Recurring revenue": sum_by(L.rev_range(L.rev_col(1, t)),
                                            [(rev_fund_rng, crit(rows["Recurring revenue"]), name),
                                             (rev_rec_rng, '"Y"', None)]),
                "Recurring expenditure": sum_by(L.li_range(L.li_col(1, t)),
                                                [(fund_rng, crit(rows["Recurring expenditure"]), name),
                                                 (rec_rng, '"Y"', None)]),
                "Structural balance": f"{at('Recurring revenue')}-{at('Recurring expenditure')}",
                "Baseline revenue": sum_by(L.rev_range(L.rev_col(0, t)),
                                           [(rev_fund_rng, crit(rows["Baseline revenue"]), name)]),
                "Baseline expenditure": sum_by(L.li_range(L.li_col(0, t)),
                                               [(fund_rng, crit(rows["Baseline expenditure"]), name)]),
                "Baseline ending balance": (f"{cell(rows['Beginning balance'], fy)}" if t == 0 else
                                            cell(rows["Baseline ending balance"], c - 1))
                + f"+{at('Baseline revenue')}-{at('Baseline expenditure')}",
                "Change in ending balance": f"{at('Ending balance')}-{at('Baseline ending balance')}",
            }
            for m, text in forms.items():
                cells[m].append(text)
        fund_name = names_by_key.get(" ".join(name.split()).casefold())
        policy = (F.floor[f], F.target[f], F.ceiling[f])
        for m in FUND_MEASURES:  # constant_memory: each row complete, top to bottom
            r = rows[m]
            write_text(ws, r, 0, name)
            write_text(ws, r, 1, fund_name)
            ws.write_string(r, 2, m, fmt["label"] if m in ("Ending balance", "Reserve ratio") else None)
            num_fmt = fmt["percent"] if m == "Reserve ratio" else fmt["money"]
            for t, text in enumerate(cells[m]):
                if m in NO_DATA_MEASURES and not F.checked[f]:  # no revenue line, no Funds row: no figure
                    ws.write_string(r, fy + t, "no revenue data", fmt["muted"])
                elif text is None:
                    write_num(ws, r, fy + t, values[m][t], num_fmt)
                else:
                    ws.write_formula(r, fy + t, "=" + text, num_fmt, formula_value(values[m][t]))
                    formulas[0] += 1
            if m == "Reserve ratio":
                for j, v in enumerate(policy):
                    write_num(ws, r, fy + 5 + j, v, fmt["percent"])
        rr = rows["Reserve ratio"]
        first, last = cell(rr, fy), cell(rr, fy + 4)
        me = cell(rr, fy)
        fl, ta, ce = (cell(rr, fy + 5 + j, col_abs=True) for j in range(3))
        ws.conditional_format(f"{first}:{last}", {"type": "formula", "stop_if_true": True,
                                                  "criteria": f"=AND(ISNUMBER({me}),ISNUMBER({fl}),{me}<{fl})",
                                                  "format": status_fmt["bad"]})
        ws.conditional_format(f"{first}:{last}", {"type": "formula", "stop_if_true": True,
                                                  "criteria": f"=AND(ISNUMBER({me}),ISNUMBER({ta}),{me}<{ta})",
                                                  "format": status_fmt["warn"]})
        ws.conditional_format(f"{first}:{last}", {"type": "formula",
                                                  "criteria": f"=AND(ISNUMBER({me}),ISNUMBER({ce}),{me}>{ce})",
                                                  "format": status_fmt["high"]})
    ws.freeze_panes(hr + 1, 3)
    print_setup(ws, (hr, hr), "Fund balances")
    return list(F.names)


# -- KPIs -------------------------------------------------------------------------------------------------

KPI_HEADERS = ["KPI ID", "KPI", "Unit", "Direction", "Weight", "Fiscal year", "Baseline", "Scenario", "Low", "High",
               "Target", "Status", "Baseline status"]


def _status(has: bool, met: bool) -> str:
    return ("Met" if met else "Off target") if has else "No target"


def _write_kpis(ws, fmt, L: _Layout, R) -> dict[int, int]:
    """One row per KPI and plan year; returns the first row of each KPI (for the charts)."""
    k = R.kpis
    widths = [10, 36, 10, 16, 8, 12, 13, 13, 13, 13, 13, 12, 14]
    for j, w in enumerate(widths):
        ws.set_column(j, j, w)
    ws.set_column(6, 10, 13, fmt["number"])
    for j, h in enumerate(KPI_HEADERS):
        ws.write_string(0, j, h, fmt["header"])
    first_rows = {}
    r = 1
    for i, kid in enumerate(k.ids):
        first_rows[i] = r
        for t in range(5):
            write_text(ws, r, 0, kid)
            write_text(ws, r, 1, k.names[i])
            write_text(ws, r, 2, k.units[i] or None)
            ws.write_string(r, 3, "Higher is better" if k.direction[i] > 0 else "Lower is better")
            write_num(ws, r, 4, k.weight[i], fmt["number"])
            ws.write_string(r, 5, L.labels[t])
            for j, arr in enumerate((k.baseline, k.scenario, k.low, k.high, k.target)):
                write_num(ws, r, 6 + j, arr[i, t])
            ws.write_string(r, 11, _status(bool(k.has_target[i, t]), bool(k.met[i, t])))
            ws.write_string(r, 12, _status(bool(k.has_target[i, t]), bool(k.baseline_met[i, t])))
            r += 1
    last = max(r - 1, 1)
    for col in (11, 12):
        rng = f"{cell(1, col)}:{cell(last, col)}"
        ws.conditional_format(rng, {"type": "cell", "criteria": "==", "value": '"Off target"', "format": fmt["bad"]})
        ws.conditional_format(rng, {"type": "cell", "criteria": "==", "value": '"Met"', "format": fmt["good"]})
    ws.freeze_panes(1, 2)
    ws.autofilter(0, 0, last, len(KPI_HEADERS) - 1)
    print_setup(ws, (0, 0), "KPIs: baseline, scenario, band and target")
    return first_rows


def important_kpis(R, limit: int = MAX_KPI_CHARTS) -> list[int]:
    """The KPIs to chart: off target in some plan year first, then by weight (KPI × goal), then order."""
    k = R.kpis
    off = (k.has_target & ~k.met).any(axis=1) if len(k.ids) else np.zeros(0, dtype=bool)
    order = sorted(range(len(k.ids)), key=lambda i: (not bool(off[i]), -float(k.weight[i]), i))
    return order[:limit]


def _write_charts(wb, ws, fmt, L: _Layout, R, kpi_rows: dict[int, int], fund_names: list[str]) -> None:
    ws.write_string(0, 0, "Charts", fmt["title"])
    ws.write_string(1, 0, "Fund balances (Funds sheet) and the most important KPIs: off target first, then by "
                          "weight (KPIs sheet). The charts follow the sheets they read.", fmt["muted"])
    ks = sheet_ref(KPI_SHEET)
    fs = sheet_ref(FUNDS_SHEET)
    charts = []
    F = R.funds
    if fund_names and F.checked.any():  # funds without revenue data have no balance to draw
        size = np.abs(np.asarray(F.expenditure)).sum(axis=1)
        top = sorted([f for f in np.argsort(-size, kind="stable").tolist() if F.checked[f]][:MAX_FUND_SERIES])
        chart = wb.add_chart({"type": "line"})
        hr = FUNDS_HEADER_ROW
        fy = FUNDS_FIRST_YEAR_COL
        for f in top:
            r = L.fund_row(f, "Ending balance")
            chart.add_series({
                "name": f"={fs}!{cell(r, 0, True, True)}",
                "categories": f"={fs}!{cell(hr, fy, True, True)}:{cell(hr, fy + 4, True, True)}",
                "values": f"={fs}!{cell(r, fy, True, True)}:{cell(r, fy + 4, True, True)}",
                "marker": {"type": "circle", "size": 5},
            })
        chart.set_title({"name": "Ending fund balance by fund"})
        chart.set_y_axis({"num_format": '"$"#,##0,,"M"', "major_gridlines": {"visible": True}})
        chart.set_legend({"position": "bottom"})
        charts.append(chart)
    k = R.kpis
    for i in important_kpis(R):
        r0 = kpi_rows[i]
        r1 = r0 + 4
        rng = lambda c: f"={ks}!{cell(r0, c, True, True)}:{cell(r1, c, True, True)}"  # noqa: E731
        chart = wb.add_chart({"type": "line"})
        series = [("Scenario", 7, {"color": "#1F4E79", "width": 2.5}), ("Baseline", 6, {"color": "#7F7F7F"}),
                  ("Low", 8, {"color": "#9DC3E6", "dash_type": "dash"}),
                  ("High", 9, {"color": "#9DC3E6", "dash_type": "dash"})]
        if k.has_target[i].any():
            series.append(("Target", 10, {"color": "#C00000", "dash_type": "round_dot", "width": 2}))
        for name, c, line in series:
            chart.add_series({"name": name, "categories": rng(5), "values": rng(c), "line": line,
                              "marker": {"type": "none"} if name in ("Low", "High") else
                              {"type": "circle", "size": 4}})
        unit = f" ({k.units[i]})" if k.units[i] else ""
        set_literal_title(chart, f"{k.ids[i]} {k.names[i]}{unit}"[:250], name_font={"size": 11})
        chart.set_legend({"position": "bottom"})
        charts.append(chart)
    for j, chart in enumerate(charts):
        chart.set_size({"width": 560, "height": 300})
        row = 3 + (j // 2) * 16
        col = 0 if j % 2 == 0 else 9
        ws.insert_chart(row, col, chart)
    ws.set_landscape()
    ws.set_paper(1)
    ws.fit_to_pages(1, 0)


# -- Summary ------------------------------------------------------------------------------------------------

def _write_summary(ws, fmt, L: _Layout, P, R, sources, formulas, exported_at) -> None:
    ws.set_column(0, 0, 26)
    ws.set_column(1, 1, 26)
    ws.set_column(2, 6, 17)
    ws.set_column(7, 7, 60)
    city = P.dataset.plan.settings.city
    r = 0
    ws.write_string(r, 0, (f"{city}: " if city else "") + "five-year plan scenario", fmt["title"])
    r += 2
    scen = R.scenario
    n_invalid = len(R.invalid_rules)
    meta = [("Scenario", scen.name), ("Exported", now_text(exported_at)),
            ("Plan years", f"{L.labels[0]} to {L.labels[-1]}"), ("Baseline", P.baseline_source.describe()),
            ("Rules", f"{len(scen.rules)}" + (f" ({n_invalid} skipped: see the Rules sheet)" if n_invalid else "")),
            ("Funded requests", f"{len(R.requests.ids)}" + (f" ({len(R.unknown_requests)} unknown)"
                                                            if R.unknown_requests else "")),
            ("Line items", f"{P.n_lines:,} budget lines and {len(R.requests.ids):,} request lines")]
    r = write_summary_head(ws, fmt, r, meta, sources)

    # Totals per fund and plan year: references to the Funds sheet (formulas).
    ws.write_string(r, 0, "Totals by fund", fmt["subtitle"])
    ws.write_string(r, 1, "(formulas over the Funds sheet)", fmt["muted"])
    r += 1
    hr = r
    for j, h in enumerate(["Fund", "Measure"] + L.labels):
        ws.write_string(r, j, h, fmt["header"])
    r += 1
    F = R.funds
    B = P.baseline_results().funds
    fs = sheet_ref(FUNDS_SHEET)
    fy = FUNDS_FIRST_YEAR_COL
    measures = [("Expenditure, baseline", "Baseline expenditure", B.expenditure),
                ("Expenditure, scenario", "Expenditure", F.expenditure),
                ("Expenditure, change", None, F.expenditure - B.expenditure),
                ("Revenue, baseline", "Baseline revenue", B.revenue),
                ("Revenue, scenario", "Revenue", F.revenue),
                ("Ending balance, baseline", "Baseline ending balance", B.balance),
                ("Ending balance, scenario", "Ending balance", F.balance),
                ("Ending balance, change", "Change in ending balance", F.balance - B.balance)]
    first_total = r
    for f, name in enumerate(F.names):
        for label, fund_measure, values in measures:
            write_text(ws, r, 0, name)
            ws.write_string(r, 1, label)
            for t in range(5):
                if fund_measure is None:  # the change of the two rows above
                    text = f"={cell(r - 1, 2 + t)}-{cell(r - 2, 2 + t)}"
                else:
                    text = f"={fs}!{cell(L.fund_row(f, fund_measure), fy + t)}"
                ws.write_formula(r, 2 + t, text, fmt["money"], formula_value(values[f, t]))
                formulas[0] += 1
            r += 1
    last_total = max(r - 1, first_total)
    measure_rng = f"{cell(first_total, 1, True, True)}:{cell(last_total, 1, True, True)}"
    for label, _fm, values in measures[:3] + measures[3:5]:
        ws.write_string(r, 0, "All funds", fmt["label"])
        ws.write_string(r, 1, label, fmt["label"])
        for t in range(5):
            c = 2 + t
            rng = f"{cell(first_total, c, True)}:{cell(last_total, c, True)}"
            ws.write_formula(r, c, f"=SUMIFS({rng},{measure_rng},{cell(r, 1)})", fmt["money_bold"],
                             formula_value(np.asarray(values)[:, t].sum() if len(F.names) else 0.0))
            formulas[0] += 1
        r += 1
    r += 1

    ws.write_string(r, 0, "Plan score", fmt["subtitle"])
    ws.write_string(r, 1, "(share of KPI weight on target)", fmt["muted"])
    r += 1
    for j, h in enumerate(["", ""] + L.labels):
        ws.write_string(r, j, h, fmt["header"])
    r += 1
    for label, values in (("Scenario", R.kpis.score), ("Baseline", R.kpis.baseline_score)):
        ws.write_string(r, 0, label, fmt["label"])
        for t in range(5):
            if np.isfinite(values[t]):
                ws.write_number(r, 2 + t, float(values[t]), fmt["percent"])
            else:
                ws.write_string(r, 2 + t, "no targets", fmt["muted"])
        r += 1
    r += 1

    ws.write_string(r, 0, "Policy findings", fmt["subtitle"])
    r += 1
    for j, h in enumerate(["Fund", "Fiscal year", "Kind"]):
        ws.write_string(r, j, h, fmt["header"])
    ws.write_string(r, 3, "Finding", fmt["header"])
    r += 1
    if not R.findings:
        ws.write_string(r, 0, "none: every fund meets its reserve policy and is structurally balanced", fmt["muted"])
        r += 1
    for x in R.findings:
        write_text(ws, r, 0, x.fund)
        ws.write_string(r, 1, P.label(x.year) if x.year is not None else "every plan year")
        ws.write_string(r, 2, x.kind.replace("_", " "))
        write_text(ws, r, 3, x.message)
        r += 1
    if R.messages:
        r += 1
        ws.write_string(r, 0, "Scenario problems (skipped)", fmt["subtitle"])
        r += 1
        for m in R.messages:
            write_text(ws, r, 0, m)
            r += 1
    ws.freeze_panes(1, 0)
    print_setup(ws, (hr, hr), f"Scenario: {scen.name}")


def _write_rules(wb, fmt, P, R, name: str = "Rules") -> None:
    from .rules_sheet import RULES_SHEET
    info = {}
    for j, rid in enumerate(P.request_ids):
        info.setdefault(" ".join(rid.split()).casefold(),
                        (P.request_titles[j], P.request_types[j], P.funds.names[P.req_fund[j]],
                         P.departments.names[P.req_dept[j]], P.programs.names[P.req_prog[j]]))
    unknown = {rid for rid in R.scenario.funded_requests if " ".join(rid.split()).casefold() not in P.request_index}
    write_rules_sheet(wb, fmt, R.scenario, name=name or RULES_SHEET, calendar=P.calendar,
                      plan_years=list(R.plan_years), invalid=dict(R.invalid_rules), notes=dict(R.rule_notes),
                      request_info=info, unknown_requests=unknown)
