"""The funding justification as a PDF for a council packet, through Qt's own PDF writer.

    from kcplanner.justification import justification_data, request_justification_data
    write_justification_pdf(justification_data(dataset, prepared, scenario, "Police"), "police.pdf")
    write_justification_pdf(request_justification_data(dataset, prepared, scenario, "REQ-POL-001"), "one.pdf")

The same plain data as the workbook (kcplanner.justification).  A department's PDF opens with
a summary table of its requests in Rank order (landscape when the table needs it), then gives
each request its own pages: details, the narrative (each text once), costs by year, fund
effect, and each KPI's paths as a table and a line chart.  A one-request PDF is that request's
section alone.  `layout_justification` lays the pages out (ui.requests.pdf_layout: column
widths from the measured text, words wrapped, header rows repeated); `write_justification_pdf`
paints them with QPainter on a QPdfWriter at 72 dpi (1 unit = 1 point) and writes the file
atomically.  Needs a QGuiApplication (one is created if none exists, e.g. on the command line);
safe to run on a worker thread.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Callable, Mapping

from PySide6.QtCore import QMarginsF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPageLayout, QPageSize, QPainter, QPdfWriter, QPen

from kcplanner.atomic import atomic_path
from kcplanner.justification import narrative_paragraphs

from .pdf_chart import draw_chart, kpi_title
from .pdf_layout import (FOOTER, MARGIN, Box, Chart, Column, Flow, Fonts, TableSpec, Text,
                                       column_widths, fit_table)

_app_ref = None
CHART_W, CHART_H = 400.0, 170.0
ALIGN = {"left": Qt.AlignmentFlag.AlignLeft, "right": Qt.AlignmentFlag.AlignRight}


def _ensure_app() -> None:
    """A QGuiApplication for painting (one is created if none exists, e.g. on the command line)."""
    global _app_ref
    if QGuiApplication.instance() is None:
        _app_ref = QGuiApplication([])


ensure_app = _ensure_app


HUGE = 1e15   # figures this large are shown in scientific notation (never 300 digits)


def money(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return ""
    if abs(x) >= HUGE:
        return f"-${-x:.3e}" if x < 0 else f"${x:.3e}"
    return f"-${-x:,.0f}" if x < 0 else f"${x:,.0f}"


def number(x: float | None, digits: int = 2) -> str:
    if x is None or not math.isfinite(x):
        return ""
    if abs(x) >= HUGE:
        return f"{x:.3e}"
    return f"{x:,.{digits}f}"


def pct(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return ""
    return f"{x * 100:.1f}%"


def _rank(rank) -> str:
    if rank is None:
        return ""
    return f"{int(rank)}" if float(rank).is_integer() else f"{rank:g}"


def _title(data: Mapping[str, Any]) -> str:
    city = data.get("city") or ""
    what = "funding request" if data.get("scope") == "request" else "funding requests"
    return f"{city + ' — ' if city else ''}{data['department']}: {what}"


# =============================================================================================
# Content
# =============================================================================================

def summary_table(data: Mapping[str, Any]) -> TableSpec:
    labels = list(data["year_labels"])
    cols = [Column("Rank", "right", False), Column("Request", "left", False), Column("Title"), Column("Fund"),
            Column("FTE", "right", False)]
    cols += [Column(lab, "right", False) for lab in labels] + [Column("Five-year total", "right", False)]
    rows = [[_rank(r["rank"]), r["request_id"], r["title"], r["fund"], number(r["fte"], 1)]
            + [money(v) for v in r["net_costs"]] + [money(r["net_total"])] for r in data["requests"]]
    tot = data["totals"]
    rows.append(["", "", "Total", "", number(tot["fte"], 1)] + [money(v) for v in tot["net_costs"]]
                + [money(tot["net_total"])])
    return TableSpec("summary", cols, rows, bold_rows=frozenset({len(rows) - 1}), stretch=True)


def _year_table(name: str, labels: list, rows: list[list[str]], total: bool) -> TableSpec:
    cols = [Column("")] + [Column(lab, "right", False) for lab in labels]
    if total:
        cols.append(Column("Five-year total", "right", False))
    return TableSpec(name, cols, rows, shade_cols=frozenset({0}))


def _request_section(flow: Flow, req: Mapping[str, Any], data: Mapping[str, Any], charts: bool) -> None:
    labels = list(data["year_labels"])
    rid = req["request_id"]
    flow.heading(f"{rid}: {req['title']}", "h2", keep=60)
    details = [["Department", data["department"], "Rank", _rank(req["rank"])],
               ["Program", req["program"], "Type", req["type"]],
               ["Fund", req["fund"], "Account class", req["account_class"]],
               ["Recurring", "Yes" if req["recurring"] else "No (one-time)", "FTE", number(req["fte"], 1)],
               ["In the scenario", "Funded" if req.get("funded_in_base") else "Not funded",
                "Five-year net cost", money(req["net_total"])]]
    flow.table(TableSpec(f"{rid} details", [Column(""), Column(""), Column(""), Column("")], details,
                         header=False, shade_cols=frozenset({0, 2})))
    for label, text in narrative_paragraphs(req):
        flow.paragraph(text, label)
    flow.heading("Costs by year", "h3", keep=40, before=4)
    flow.table(_year_table(f"{rid} costs", labels, [
        ["Cost as requested"] + [money(v) for v in req["costs"]] + [money(req["total_cost"])],
        ["Net budget effect"] + [money(v) for v in req["net_costs"]] + [money(req["net_total"])]], True))
    if req["funds"]:
        rows = []
        for fe in req["funds"]:
            rows.append([f"{fe['fund']}: ending balance"] + [money(v) for v in fe["balance_delta"]])
            rows.append([f"{fe['fund']}: structural balance"] + [money(v) for v in fe["structural_delta"]])
            rows.append([f"{fe['fund']}: reserve ratio with the request"] + [pct(v) for v in fe["reserve_ratio_with"]])
        flow.heading("Fund effect (change with the request)", "h3", keep=40, before=4)
        flow.table(_year_table(f"{rid} funds", labels, rows, False))
    blocks = []
    for k in req["kpis"]:
        rows = [[label] + [number(v, digits) for v in k[key]]
                for label, key, digits in (("Without request", "without", 2), ("With request", "with", 2),
                                           ("Target", "target", 2), ("Change", "delta", 4))]
        spec = _year_table(f"{rid} {k['kpi_id']}", labels, rows, False)
        # the heading, the table, the cost note and the chart stay on one page
        height = flow.table_height(spec) + 2 * flow.fonts.line("note") + (CHART_H + 6 if charts else 0)
        blocks.append((k, spec, height))
    flow.heading("KPIs", "h3", keep=blocks[0][2] + 20 if blocks else 30, before=4)
    if not blocks:
        flow.paragraph("No KPI is linked to this request or moved by it.", key="note", color="#555555")
    for k, spec, height in blocks:
        tag = "the KPI the request names" if k.get("linked") else "moved by the request"
        flow.heading(f"{kpi_title(k)} — {k['direction']}; {tag}", "body_b", keep=height, before=4)
        flow.table(spec)
        if k.get("cost_per_unit") is not None:
            flow.paragraph(f"Cost per unit-year of improvement: {money(k['cost_per_unit'])}", key="note")
        if charts:
            flow.chart(k, labels, rid, CHART_W, CHART_H)


def layout_justification(data: Mapping[str, Any], charts: bool = True, fonts: Fonts | None = None) -> Flow:
    """The document laid out on pages (nothing painted): see ui.requests.pdf_layout."""
    flow = Flow(fonts)
    each = "the request" if data.get("scope") == "request" else "each request"
    note = (f"Scenario: {data.get('scenario', '')}. Costs are the net budget effect by fiscal year (a Reduction's "
            f"savings are negative). KPI paths compare the scenario without and with {each}.")
    if data.get("scope") == "request":
        flow.new_page("portrait", section=data["requests"][0]["request_id"] if data["requests"] else "")
        flow.heading(_title(data), "h1", keep=40)
        flow.paragraph(note, key="note", color="#555555")
        for req in data["requests"]:
            _request_section(flow, req, data, charts)
        return flow
    spec = summary_table(data)
    widths, orientation = fit_table(spec, flow.fonts, Flow.line_width("portrait"), Flow.line_width("landscape"))
    flow.new_page(orientation, section="")
    flow.heading(_title(data), "h1", keep=40)
    flow.paragraph(note, key="note", color="#555555")
    flow.table(spec, widths, caption=f"{len(data['requests'])} requests in rank order")
    for req in data["requests"]:
        flow.new_page("portrait", section=req["request_id"])
        _request_section(flow, req, data, charts)
    return flow


# =============================================================================================
# Painting
# =============================================================================================

def _page_layout(orientation: str) -> QPageLayout:
    o = QPageLayout.Orientation.Portrait if orientation == "portrait" else QPageLayout.Orientation.Landscape
    return QPageLayout(QPageSize(QPageSize.PageSizeId.Letter), o, QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Point)


def _paint_page(p: QPainter, flow: Flow, page, number_: int, total: int, footer: str) -> None:
    fonts = flow.fonts
    flags = Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextDontClip
    for item in page.items:
        if isinstance(item, Box):
            p.setBrush(QColor(item.fill) if item.fill else Qt.BrushStyle.NoBrush)
            p.setPen(QPen(QColor(item.stroke), 0.5) if item.stroke else Qt.PenStyle.NoPen)
            p.drawRect(QRectF(item.x, item.y, item.w, item.h))
        elif isinstance(item, Text):
            p.setFont(fonts.font(item.font))
            p.setPen(QColor(item.color))
            p.drawText(QRectF(item.x, item.y, item.w, item.h), ALIGN[item.align] | flags, item.text)
        elif isinstance(item, Chart):
            draw_chart(p, item, fonts)
    p.setFont(fonts.font("small"))
    p.setPen(QColor("#666666"))
    y = page.height - MARGIN - FOOTER + 6
    w = page.width - 2 * MARGIN
    text = fonts.metrics("small").elidedText(footer, Qt.TextElideMode.ElideRight, w - 80)
    p.drawText(QRectF(MARGIN, y, w - 80, FOOTER), Qt.AlignmentFlag.AlignLeft | flags, text)
    p.drawText(QRectF(MARGIN, y, w, FOOTER), Qt.AlignmentFlag.AlignRight | flags, f"Page {number_} of {total}")


def write_flow_pdf(flow: Flow, out_path, title: str, footer: str,
                   progress: Callable[[float, str], None] | None = None,
                   cancelled: Callable[[], bool] | None = None) -> Flow:
    """Paint a laid-out Flow (US Letter pages, each in its orientation, with the footer and page
    numbers) into a PDF written atomically to `out_path`.  `cancelled()` is polled between pages:
    when it turns True, kcplanner.exports.ExportCancelled is raised and the target is left as it was."""
    from kcplanner.exports import ExportCancelled

    _ensure_app()
    total = len(flow.pages)
    with atomic_path(Path(out_path), suffix=".pdf") as tmp:
        writer = QPdfWriter(str(tmp))
        writer.setResolution(72)
        writer.setPageLayout(_page_layout(flow.pages[0].orientation))
        writer.setTitle(title)
        writer.setCreator("kcplanner")
        p = QPainter(writer)
        try:
            for i, page in enumerate(flow.pages):
                if cancelled is not None and cancelled():
                    raise ExportCancelled("cancelled")
                if i:
                    writer.setPageLayout(_page_layout(page.orientation))
                    writer.newPage()
                rect = QRect(0, 0, round(page.width), round(page.height))
                p.setViewport(rect)
                p.setWindow(rect)
                _paint_page(p, flow, page, i + 1, total, footer)
                if progress is not None:
                    progress((i + 1) / total, f"Page {i + 1} of {total}")
        finally:
            p.end()
            del p
            del writer  # flushes and closes the file before it replaces the target
    return flow


def write_justification_pdf(data: Mapping[str, Any], out_path, charts: bool = True,
                            progress: Callable[[float, str], None] | None = None,
                            cancelled: Callable[[], bool] | None = None) -> Flow:
    """Write the justification PDF (US Letter) atomically to `out_path`; returns its layout.

    `cancelled()` is polled between pages: when it turns True, kcplanner.exports.ExportCancelled
    is raised and the target is left as it was."""
    _ensure_app()
    flow = layout_justification(data, charts)
    footer = f"{_title(data)} · Scenario: {data.get('scenario', '')}"
    return write_flow_pdf(flow, out_path, _title(data), footer, progress, cancelled)


__all__ = ["write_justification_pdf", "write_flow_pdf", "ensure_app", "layout_justification", "summary_table",
           "money", "number", "pct",
           "column_widths"]
