"""The scenario workbook: a live Excel workbook of one scenario, for council and for the next round.

Sheets (docs/export.md): Summary, Funds, Departments, KPIs, Drivers, Charts, Revenue, Line Items, Rules.
Line Items and Revenue hold the engine's figures as values; Departments, Funds and the Summary
totals are formulas over them (SUMIFS), each written with the engine's figure as its cached value
so that viewers that do not recalculate show the right numbers, and a spreadsheet that does keeps
working when an analyst edits a line.

Two writers, the same cells (docs/export.md "Speed"): `writer="numpy"` (the default) has
xlsxwriter write every sheet but the Line Items rows, then streams those rows as XML built by
numpy into the zip (line_items_bulk, sheet_xml, bulk_zip); `writer="xlsxwriter"` writes the rows
through xlsxwriter too (the previous writer, kept as the benchmark's baseline).  Both use
xlsxwriter's constant_memory mode: every sheet is written top to bottom.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any, Sequence

import xlsxwriter

from ..atomic import OutputError, atomic_path, scratch_dir
from ._common import WORKBOOK_OPTIONS, ExportInfo, Steps, discard_workbook, make_formats
from .bulk_zip import splice_rows, worksheet_part
from .charts_sheet import write_charts
from .departments_sheet import write_departments
from .drivers_sheet import DRIVERS_SHEET, write_drivers
from .funds_sheet import write_funds
from .history_sheet import HISTORY_SHEET, write_history
from .kpis_sheet import write_kpis
from .line_items_bulk import line_blocks, line_rows, rows_bytes_bound
from .line_items_sheet import line_arrays, line_items_frame, write_line_items, write_revenue
from .rules_sheet import write_scenario_rules
from .summary_sheet import write_summary
from .workbook_layout import (CHART_SHEET, DEPARTMENTS_SHEET, FUNDS_SHEET, KPI_SHEET, LINE_SHEET, REVENUE_SHEET,
                              SUMMARY_SHEET, Layout)

WRITERS = ("numpy", "xlsxwriter")
SHEETS = [SUMMARY_SHEET, FUNDS_SHEET, DEPARTMENTS_SHEET, KPI_SHEET, DRIVERS_SHEET, CHART_SHEET, REVENUE_SHEET, LINE_SHEET, "Rules"]


def export_scenario(prepared, results, out_path: str | Path, *, sources: Sequence[str | Path] | None = None,
                    progress=None, cancelled=None, exported_at: _dt.datetime | None = None,
                    history_rows: Sequence[Sequence[Any]] | None = None, writer: str = "numpy") -> ExportInfo:
    """Write the scenario workbook of `results` (an `evaluate(prepared, scenario)`) to `out_path`.

    `sources`: the input files to list with their SHA-256 (default: the dataset's own list).
    `progress(fraction, text)` is called as sheets are written; `cancelled()` returning True stops
    the export with ExportCancelled.  The target is replaced only when the workbook is complete;
    a target that is read-only or open elsewhere gives OutputError and is left as it was.
    `history_rows` (header first, e.g. `project.export_history_rows()`): the project's audit trail,
    written as a last "History" sheet (text as text, never a formula; the header frozen, an
    autofilter).  None (the default) writes no History sheet.
    `writer`: "numpy" (the default) or "xlsxwriter" (the previous, slower writer of the same cells).
    """
    if writer not in WRITERS:
        raise ValueError(f"writer must be one of {WRITERS}, not {writer!r}")
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
    bulk = writer == "numpy"
    with atomic_path(out_path) as tmp, scratch_dir(out_path) as scratch:
        # the writer's scratch files go beside the target, not to /tmp (docs/export.md)
        book = scratch / "shell.xlsx" if bulk else tmp  # numpy: the workbook without the line rows
        wb = xlsxwriter.Workbook(str(book), {**WORKBOOK_OPTIONS, "constant_memory": True, "tmpdir": str(scratch)})
        try:
            rows = _write(wb, P, R, sources, steps, info, exported_at, bulk)
            if history_rows is not None:
                steps(0.21 if bulk else 0.96, "Writing the history")
                write_history(wb, make_formats(wb), list(history_rows))
            steps(0.22 if bulk else 0.97, "Saving the workbook")
            wb.close()
        except BaseException:
            discard_workbook(wb)
            raise
        if rows is not None:
            part, blocks = rows
            n = info.line_rows
            splice_rows(book, tmp, part, line_rows(blocks, steps, 0.25, 0.99), last_row=n + 1,
                        last_col=len(blocks[0]) - 1, expected_bytes=rows_bytes_bound(blocks))
    steps(1.0, "Done")
    return info


def _write(wb, P, R, sources, steps: Steps, info: ExportInfo, exported_at, bulk: bool):
    """Every sheet; the Line Items rows too unless `bulk`, when it returns (part, column blocks)
    for splice_rows."""
    fmt = make_formats(wb)
    years, labels = list(R.plan_years), list(R.year_labels)
    steps(0.02, "Collecting line items")
    rev = R.revenue
    n_lines = P.n_lines + len(R.requests.ids)
    L = Layout(years, labels, n_lines, len(rev.funds))
    info.line_rows = n_lines
    formulas = [0]
    # Progress: the xlsxwriter writer spends 5-80 % on the line rows, then writes the other sheets;
    # the numpy writer writes the other sheets first (5-20 %) and streams the rows last (25-99 %).
    at = (lambda f: f - 0.75) if bulk else (lambda f: f)  # noqa: E731

    # Worksheets in display order; each is written top to bottom (constant_memory).
    ws_summary = wb.add_worksheet(SUMMARY_SHEET)
    ws_funds = wb.add_worksheet(FUNDS_SHEET)
    ws_depts = wb.add_worksheet(DEPARTMENTS_SHEET)
    ws_kpis = wb.add_worksheet(KPI_SHEET)
    ws_drivers = wb.add_worksheet(DRIVERS_SHEET)
    ws_charts = wb.add_worksheet(CHART_SHEET)
    ws_rev = wb.add_worksheet(REVENUE_SHEET)
    ws_lines = wb.add_worksheet(LINE_SHEET)

    steps(0.05, "Writing line items")
    rows = None
    if bulk:
        line_items_frame(ws_lines, fmt, L, n_lines)
        # The cells' style indices, fixed now in the order xlsxwriter fixes them when it writes
        # the header and the first line (so both writers' files are the same, byte for byte).
        fmt["header"]._get_xf_index()
        whole, money = fmt["int"]._get_xf_index(), fmt["money"]._get_xf_index()
        rows = (worksheet_part(wb, ws_lines), line_blocks(P, R, money, whole))
    else:
        lines = line_arrays(P, R)
        write_line_items(ws_lines, fmt, L, lines, steps)
    steps(at(0.80), "Writing revenue")
    write_revenue(ws_rev, fmt, L, rev)
    steps(at(0.83), "Writing departments")
    write_departments(ws_depts, fmt, L, R, None, formulas)
    steps(at(0.86), "Writing funds")
    fund_names = write_funds(ws_funds, fmt, L, P, R, formulas)
    steps(at(0.89), "Writing KPIs")
    kpi_rows = write_kpis(ws_kpis, fmt, L, R)
    write_drivers(ws_drivers, fmt, P, R)  # the elasticities in effect and where each came from
    steps(at(0.91), "Writing charts")
    write_charts(wb, ws_charts, fmt, L, R, kpi_rows, fund_names)
    steps(at(0.93), "Writing the summary")
    write_summary(ws_summary, fmt, L, P, R, sources, formulas, exported_at)
    steps(at(0.95), "Writing the rules")
    write_scenario_rules(wb, fmt, P, R)
    info.formula_cells = formulas[0]
    ws_summary.activate()
    return rows
