"""The quarterly report as a PDF: `kcplanner review … --pdf report.pdf`, and the same from the app.

    write_report_pdf(report_data(review(dataset), dataset), "report.pdf")

Drawn with the justification PDF's own modules (ui.requests.pdf_layout flows measured text and
tables onto US Letter pages, ui.requests.pdf_chart draws the line chart, ui.requests.pdf paints
and writes atomically).  Pages: the citywide summary (the summary in words, departments, funds,
the city's burn-up chart, every KPI), revenue against estimate (with the short or too-early
sources explained), then a page per department (the flag explained, the flagged programs
explained, its table by program and account class, its burn-up chart, its KPIs).  Each
explanation is printed once; the words come from kcplanner.review.report_text.
"""

from __future__ import annotations

import math
from typing import Any, Callable

from kcplanner.review.report_data import FLAG_WORDS, DepartmentPage, ReportData

from ..requests.pdf import ensure_app, money, pct, write_flow_pdf
from ..requests.pdf_layout import Column, Flow, TableSpec, fit_table

CHART_W, CHART_H = 528.0, 210.0
#: (legend, key, colour, dashed) of the burn-up chart
BURN_UP = (("Actual to date", "actual", "#1f4e79", False), ("Expected path", "expected", "#c55a11", True),
           ("Budget", "budget", "#6b6b6b", "dot"), ("Projection", "projection", "#c00000", True))
FIG_COLUMNS = [Column("Budget", "right", False), Column("Spent to date", "right", False),
               Column("% spent", "right", False), Column("% expected", "right", False),
               Column("Projection", "right", False), Column("Variance", "right", False), Column("Flag", "left", False)]


def axis_money(v: float) -> str:
    """$2.5M, -$300K, $0: an axis tick."""
    sign, a = ("-" if v < 0 else ""), abs(v)
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if a >= size:
            return f"{sign}${a / size:,.3g}{suffix}"
    return f"{sign}${a:,.0f}"


def _num(v) -> float | None:
    try:
        v = float(v)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _figs(row: dict[str, Any]) -> list[str]:
    return [money(row["budget"]), money(row["actual"]), pct(row["pct_spent"]), pct(row["pct_expected"]),
            money(row["projection"]), money(row["variance"]), FLAG_WORDS.get(row["flag"], "")]


def _table(flow: Flow, spec: TableSpec, caption: str = "") -> None:
    widths, _ = fit_table(spec, flow.fonts, flow.width, None)
    flow.table(spec, widths, caption=caption)


def _burn_up(flow: Flow, frame, months: list[str], title: str, section: str) -> None:
    values = {key: [_num(frame.loc[m, key]) if m in frame.index else None for m in range(1, 13)]
              for _, key, _, _ in BURN_UP}
    flow.heading("Burn-up: spending through the year", "h3", keep=CHART_H, before=4)
    flow.chart(values, months, section, min(CHART_W, flow.width), CHART_H, series=BURN_UP, title=title,
               tick_text=axis_money, floor=0.0)


def _kpis(flow: Flow, kpis: list[dict[str, Any]], name: str, empty: str) -> None:
    flow.heading("KPIs: the latest actual against the year's target", "h3", keep=40, before=4)
    if not kpis:
        flow.paragraph(empty, key="note", color="#555555")
        return
    rows = [[k["kpi_id"], k["name"] + (f" ({k['unit']})" if k["unit"] and k["unit"] not in k["name"] else ""),
             k["period"] or "", _n(k["latest"]), _n(k["target"]),
             "" if k["met"] is None else ("Yes" if k["met"] else "No"), _n(k["previous"])] for k in kpis]
    cols = [Column("KPI", "left", False), Column("Name"), Column("Period", "left", False),
            Column("Latest", "right", False), Column("Target", "right", False), Column("Met", "left", False),
            Column("A year earlier", "right", False)]
    _table(flow, TableSpec(name, cols, rows, stretch=True))


def _n(v) -> str:
    return "" if v is None else f"{v:,.2f}".rstrip("0").rstrip(".")


def _summary(flow: Flow, data: ReportData) -> None:
    flow.new_page("portrait", section="")
    flow.heading(data.title, "h1", keep=40)
    for text in data.summary:
        flow.paragraph(text)
    if data.departments:
        rows = [[d["name"]] + _figs(d) for d in data.departments]
        tot = {k: sum(d[k] for d in data.departments) for k in ("budget", "actual", "projection", "variance")}
        b = tot["budget"]
        exp = sum((d["pct_expected"] or 0) * d["budget"] for d in data.departments)
        rows.append(["City total"] + _figs({**tot, "pct_spent": tot["actual"] / b if b > 0 else None,
                                            "pct_expected": exp / b if b > 0 else None, "flag": None}))
        _table(flow, TableSpec("departments", [Column("Department")] + FIG_COLUMNS, rows,
                               bold_rows=frozenset({len(rows) - 1}), stretch=True), "Departments")
    if data.funds:
        cols = [Column("Fund"), Column("Spending budget", "right", False),
                Column("Spending projection", "right", False),
                Column("Revenue estimate", "right", False), Column("Revenue projection", "right", False),
                Column("Balance change", "right", False)]
        rows = [[f["fund"], money(f["expenditure_budget"]), money(f["expenditure_projection"]),
                 money(f["revenue_budget"]), money(f["revenue_projection"]), money(f["balance_change"])]
                for f in data.funds]
        _table(flow, TableSpec("funds", cols, rows, stretch=True), "Funds: what the year will leave")
    if data.city_burn_up is not None:
        _burn_up(flow, data.city_burn_up, data.months, "The city: spending through the year", "")
    _kpis(flow, data.kpis, "kpis", "No KPI actuals for this year through this period.")


def _revenue(flow: Flow, data: ReportData) -> None:
    flow.new_page("portrait", section="Revenue")
    flow.heading("Revenue against estimate", "h1", keep=40)
    cols = [Column("Fund"), Column("Source")] + FIG_COLUMNS
    cols[3], cols[4] = Column("Collected to date", "right", False), Column("% collected", "right", False)
    cols[2] = Column("Estimate", "right", False)
    rows = [[row["fund"], row["source"]] + _figs(row) for row in data.revenue]
    _table(flow, TableSpec("revenue", cols, rows, stretch=True))
    notes = [row["explanation"] for row in data.revenue
             if row["flag"] is not None or row["basis"] == "too early to tell"]
    if notes:
        flow.heading("The short (or too early to tell) sources, in words", "h3", keep=40, before=4)
    for text in notes:
        flow.paragraph(text)


def _department(flow: Flow, page: DepartmentPage, data: ReportData) -> None:
    rows, bold = [], set()
    for row in page.rows:
        if row["kind"] == "group":
            rows.append([row["program"] or "", row["account_class"] or "", row["fund"] or ""] + _figs(row))
        else:
            bold.add(len(rows))
            rows.append([f"{row['program']} total", "", ""] + _figs(row))
    bold.add(len(rows))
    rows.append([f"{page.name} total", "", ""] + _figs(page.totals))
    spec = TableSpec(f"{page.name} table", [Column("Program"), Column("Account class"), Column("Fund")] + FIG_COLUMNS,
                     rows, bold_rows=frozenset(bold), stretch=True)
    widths, orientation = fit_table(spec, flow.fonts, Flow.line_width("portrait"), Flow.line_width("landscape"))
    flow.new_page(orientation, section=page.name)
    flow.heading(f"{page.name} — FY{data.fiscal_year} through {data.through_label}", "h1", keep=40)
    flow.paragraph(page.explanation, key="body_b")
    for note in page.program_notes:
        flow.paragraph(note)
    flow.table(spec, widths, caption="By program and account class")
    _burn_up(flow, page.burn_up, data.months, f"{page.name}: spending through the year", page.name)
    _kpis(flow, page.kpis, f"{page.name} kpis",
          "No KPI of this department (or driven by its programs) has actuals this year.")


def layout_report(data: ReportData) -> Flow:
    """The report laid out on pages (nothing painted)."""
    ensure_app()
    flow = Flow()
    _summary(flow, data)
    if data.revenue:
        _revenue(flow, data)
    for page in data.pages:
        _department(flow, page, data)
    return flow


def write_report_pdf(data: ReportData, out_path, progress: Callable[[float, str], None] | None = None,
                     cancelled: Callable[[], bool] | None = None) -> Flow:
    """Write the report PDF atomically to `out_path`; returns its layout."""
    ensure_app()
    flow = layout_report(data)
    return write_flow_pdf(flow, out_path, data.title, data.title, progress, cancelled)


__all__ = ["write_report_pdf", "layout_report", "axis_money", "BURN_UP"]
