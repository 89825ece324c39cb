"""The quarterly report as a workbook: `kcplanner review … --out report.xlsx`.

    write_review_workbook(report_data(review(dataset), dataset), "report.xlsx")

Sheets: "Summary" (the citywide summary in words, the departments and funds tables, the city's
burn-up chart, every KPI with actuals), "Revenue" (each source against its estimate), then one
sheet per department (its table by program and account class with program subtotals, the flags
explained, its burn-up chart and its KPIs).  Figures are written as values (review()'s own);
totals are SUBTOTAL/SUM formulas whose cached values are the same figures, so the file reads right
before Excel recalculates it.  Written atomically (kcplanner.atomic).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ..atomic import OutputError, atomic_path, scratch_dir
from ..exports._common import (WORKBOOK_OPTIONS, cell, make_formats, print_setup, safe_sheet_title, set_literal_title,
                               write_num, write_text)
from .report_data import FLAG_WORDS, DepartmentPage, ReportData

MONEY_COLS = ("budget", "actual")
WRAP_CHARS = 150      # characters of an explanation per line of its merged row (for the row height)


def _flag_fmt(F, flag):
    return {"over": F["bad"], "short": F["bad"], "under": F["warn"]}.get(flag)


def _sentence(ws, F, r: int, text: str, last_col: int = 10, fmt: str = "wrap") -> int:
    lines = max(1, math.ceil(len(text) / WRAP_CHARS))
    ws.set_row(r, 15 * lines)
    ws.merge_range(r, 0, r, last_col, "", F[fmt])
    ws.write_string(r, 0, text, F[fmt])
    return r + 1


def _wrapped(ws, F, r: int, c: int, text: str, width: int = 70) -> None:
    """A sentence wrapped in its cell, the row as tall as its lines (xlsxwriter cannot measure)."""
    ws.set_row(r, 15 * max(1, math.ceil(len(text) / (width * 1.05))))
    write_text(ws, r, c, text, F["wrap"])


def _header(ws, F, r: int, headers: list[str]) -> int:
    ws.set_row(r, 30)   # room for a header that wraps onto two lines
    for c, h in enumerate(headers):
        ws.write_string(r, c, h, F["header"])
    return r + 1


def _figures(ws, F, r: int, c: int, row: dict[str, Any], total: tuple[int, int] | None = None,
             fn: str = "SUM") -> None:
    """budget, actual, % spent, % expected, projection, variance, flag from column c; with `total`
    (first, last row) the four amounts are `fn` formulas over those rows, cached as the figures."""
    money = F["money_total"] if total else F["money"]
    for k, key in ((0, "budget"), (1, "actual"), (4, "projection"), (5, "variance")):
        v = row[key]
        if total is not None:
            ref = f"{cell(total[0], c + k)}:{cell(total[1], c + k)}"
            formula = f"=SUBTOTAL(9,{ref})" if fn == "SUBTOTAL" else f"=SUM({ref})"
            ws.write_formula(r, c + k, formula, money, float(v) if v is not None else 0.0)
        else:
            write_num(ws, r, c + k, v, money)
    write_num(ws, r, c + 2, row["pct_spent"], F["percent"])
    write_num(ws, r, c + 3, row["pct_expected"], F["percent"])
    fmt = _flag_fmt(F, row["flag"])
    write_text(ws, r, c + 6, FLAG_WORDS.get(row["flag"], ""), fmt)


FIG_HEADERS = ["Budget", "Spent to date", "% spent", "% expected by now", "Year-end projection", "Variance", "Flag"]


def _burn_up(wb, ws, F, r: int, frame, months: list[str], title: str, sheet: str) -> int:
    ws.write_string(r, 0, "Burn-up: spending through the year", F["subtitle"])
    r += 1
    top = r
    r = _header(ws, F, r, ["Month", "Actual to date", "Expected path", "Budget", "Projection"])
    for m in range(1, 13):
        ws.write_string(r, 0, months[m - 1])
        for c, key in enumerate(("actual", "expected", "budget", "projection"), start=1):
            write_num(ws, r, c, frame.loc[m, key] if m in frame.index else None, F["money"])
        r += 1
    chart = wb.add_chart({"type": "line"})
    ref = "'" + sheet.replace("'", "''") + "'"
    styles = {"Actual to date": {"color": "#1F4E79", "width": 2.5},
              "Expected path": {"color": "#C55A11", "dash_type": "dash"},
              "Budget": {"color": "#7F7F7F", "dash_type": "round_dot"},
              "Projection": {"color": "#C00000", "dash_type": "dash"}}
    for c, name in enumerate(styles, start=1):
        chart.add_series({"name": [sheet, top, c], "categories": f"={ref}!{cell(top + 1, 0, True, True)}:"
                                                                 f"{cell(top + 12, 0, True, True)}",
                          "values": f"={ref}!{cell(top + 1, c, True, True)}:{cell(top + 12, c, True, True)}",
                          "line": styles[name],
                          "marker": {"type": "circle", "size": 4} if c == 1 else {"type": "none"}})
    set_literal_title(chart, title[:250], name_font={"size": 11})
    chart.set_y_axis({"num_format": axis_format(frame), "major_gridlines": {"visible": True}})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 620, "height": 300})
    ws.insert_chart(top, 6, chart)
    return max(r, top + 16) + 1


def axis_format(frame) -> str:
    """The burn-up's axis in millions, thousands or dollars, by the size of its figures."""
    top = float(frame[["actual", "expected", "budget", "projection"]].abs().max().max()) if len(frame) else 0.0
    if top >= 1e7:
        return '"$"#,##0,,"M"'
    if top >= 1e6:
        return '"$"#,##0.0,,"M"'
    if top >= 1e4:
        return '"$"#,##0,"K"'
    return '"$"#,##0'


def _kpis(ws, F, r: int, kpis: list[dict[str, Any]], empty: str) -> int:
    ws.write_string(r, 0, "KPIs: the latest actual against the year's target", F["subtitle"])
    r += 1
    if not kpis:
        ws.write_string(r, 0, empty, F["muted"])
        return r + 2
    r = _header(ws, F, r, ["KPI", "Name", "Unit", "Period", "Latest", "Target", "Met", "Same period a year earlier"])
    for k in kpis:
        for c, key in enumerate(("kpi_id", "name", "unit", "period")):
            write_text(ws, r, c, k[key])
        write_num(ws, r, 4, k["latest"], F["number"])
        write_num(ws, r, 5, k["target"], F["number"])
        met = k["met"]
        write_text(ws, r, 6, "" if met is None else ("Yes" if met else "No"),
                   None if met is None else (F["good"] if met else F["bad"]))
        write_num(ws, r, 7, k["previous"], F["number"])
        r += 1
    return r + 1


def _summary(wb, ws, F, data: ReportData) -> None:
    r = 0
    ws.write_string(r, 0, data.title, F["title"])
    r += 2
    for text in data.summary:
        r = _sentence(ws, F, r, text)
    r += 1
    ws.write_string(r, 0, "Departments", F["subtitle"])
    r = _header(ws, F, r + 1, ["Department"] + FIG_HEADERS + ["What it means"])
    first = r
    for d in data.departments:
        write_text(ws, r, 0, d["name"])
        _figures(ws, F, r, 1, d)
        _wrapped(ws, F, r, 8, d["explanation"])
        r += 1
    if data.departments:
        ws.write_string(r, 0, "City total", F["label"])
        total = {k: sum(d[k] for d in data.departments) for k in ("budget", "actual", "projection", "variance")}
        b = total["budget"]
        exp = sum((d["pct_expected"] or 0) * d["budget"] for d in data.departments)
        _figures(ws, F, r, 1, {**total, "pct_spent": total["actual"] / b if b > 0 else None,
                               "pct_expected": exp / b if b > 0 else None, "flag": None}, (first, r - 1))
        r += 1
    r += 1
    if data.funds:
        ws.write_string(r, 0, "Funds", F["subtitle"])
        r = _header(ws, F, r + 1, ["Fund", "Spending budget", "Spending projection", "Spending flag",
                                   "Revenue estimate", "Revenue projection", "Revenue flag",
                                   "Balance change against the plan"])
        for f in data.funds:
            write_text(ws, r, 0, f["fund"])
            for c, key in ((1, "expenditure_budget"), (2, "expenditure_projection"), (4, "revenue_budget"),
                           (5, "revenue_projection"), (7, "balance_change")):
                write_num(ws, r, c, f[key], F["money"])
            write_text(ws, r, 3, FLAG_WORDS.get(f["expenditure_flag"], ""), _flag_fmt(F, f["expenditure_flag"]))
            write_text(ws, r, 6, FLAG_WORDS.get(f["revenue_flag"], ""), _flag_fmt(F, f["revenue_flag"]))
            r += 1
        r += 1
    if data.city_burn_up is not None:
        r = _burn_up(wb, ws, F, r, data.city_burn_up, data.months, "The city: spending through the year", "Summary")
    _kpis(ws, F, r, data.kpis, "No KPI actuals for this year through this period.")
    ws.set_column(0, 0, 26)
    ws.set_column(1, 7, 16)
    ws.set_column(8, 8, 70)
    print_setup(ws, None, data.title)


def _revenue(ws, F, data: ReportData) -> None:
    ws.write_string(0, 0, f"Revenue against estimate — {data.title}", F["title"])
    if not data.revenue:
        ws.write_string(2, 0, "Revenue is not reviewed: no revenue actuals for this year through this period.",
                        F["muted"])
        return
    headers = ["Fund", "Source", "Estimate", "Collected to date", "% collected", "% expected by now",
               "Year-end projection", "Variance", "Flag", "Basis of the projection", "What it means"]
    r = _header(ws, F, 2, headers)
    first = r
    for row in data.revenue:
        write_text(ws, r, 0, row["fund"])
        write_text(ws, r, 1, row["source"])
        _figures(ws, F, r, 2, row)
        write_text(ws, r, 9, row["basis"])
        _wrapped(ws, F, r, 10, row["explanation"])
        r += 1
    ws.write_string(r, 0, "All revenue", F["label"])
    total = {k: sum(x[k] for x in data.revenue) for k in ("budget", "actual", "projection", "variance")}
    b = total["budget"]
    exp = sum((x["pct_expected"] or 0) * x["budget"] for x in data.revenue)
    _figures(ws, F, r, 2, {**total, "pct_spent": total["actual"] / b if b > 0 else None,
                           "pct_expected": exp / b if b > 0 else None, "flag": None}, (first, r - 1))
    ws.set_column(0, 1, 22)
    ws.set_column(2, 8, 15)
    ws.set_column(9, 9, 22)
    ws.set_column(10, 10, 70)
    ws.freeze_panes(3, 2)
    print_setup(ws, (2, 2), f"Revenue — {data.title}")


def _department(wb, ws, F, page: DepartmentPage, data: ReportData, sheet: str) -> None:
    r = 0
    ws.write_string(r, 0, f"{page.name} — FY{data.fiscal_year} through {data.through_label}", F["title"])
    r += 2
    r = _sentence(ws, F, r, page.explanation, fmt="wrap")
    for note in page.program_notes:
        r = _sentence(ws, F, r, note)
    r += 1
    r = _header(ws, F, r, ["Program", "Account class", "Fund"] + FIG_HEADERS + ["Basis of the projection"])
    first = r
    start = r
    for row in page.rows:
        if row["kind"] == "group":
            write_text(ws, r, 0, row["program"])
            write_text(ws, r, 1, row["account_class"])
            write_text(ws, r, 2, row["fund"])
            _figures(ws, F, r, 3, row)
            write_text(ws, r, 10, row["basis"])
        else:
            ws.write_string(r, 0, f"{row['program']} total", F["label"])
            _figures(ws, F, r, 3, row, (start, r - 1), "SUBTOTAL")
            start = r + 1
        r += 1
    ws.write_string(r, 0, f"{page.name} total", F["label"])
    _figures(ws, F, r, 3, page.totals, (first, r - 1), "SUBTOTAL")
    r += 2
    r = _burn_up(wb, ws, F, r, page.burn_up, data.months, f"{page.name}: spending through the year", sheet)
    _kpis(ws, F, r, page.kpis, "No KPI of this department (or driven by its programs) has actuals this year.")
    ws.set_column(0, 0, 28)
    ws.set_column(1, 2, 18)
    ws.set_column(3, 9, 15)
    ws.set_column(10, 10, 24)
    print_setup(ws, None, f"{page.name} — {data.title}")


def write_review_workbook(data: ReportData, out_path: str | Path) -> list[str]:
    """Write the report workbook atomically; returns its sheet names."""
    import xlsxwriter

    sheets: list[str] = []
    with atomic_path(out_path, suffix=".xlsx") as tmp, scratch_dir(out_path) as scratch:
        wb = xlsxwriter.Workbook(str(tmp), {**WORKBOOK_OPTIONS, "tmpdir": str(scratch), "nan_inf_to_errors": False})
        try:
            F = make_formats(wb)
            summary = wb.add_worksheet("Summary")
            revenue = wb.add_worksheet("Revenue")
            sheets += ["Summary", "Revenue"]
            _summary(wb, summary, F, data)
            _revenue(revenue, F, data)
            for page in data.pages:
                name = safe_sheet_title(page.name, sheets)
                sheets.append(name)
                _department(wb, wb.add_worksheet(name), F, page, data, name)
        finally:
            try:
                wb.close()
            except Exception as exc:  # xlsxwriter raises its own errors for file problems
                raise OutputError(f"{out_path}: could not write the workbook: {exc}") from exc
    return sheets


__all__ = ["write_review_workbook"]
