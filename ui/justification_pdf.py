"""The funding justification as a PDF for a council packet, through Qt's own PDF writer.

    from kcplanner.justification import justification_data
    write_justification_pdf(justification_data(dataset, prepared, scenario, "Police"), "police.pdf")

The same plain data as the workbook (kcplanner.justification): a cover table of the department's
requests in Rank order, then one section per request (narrative, costs by year, FTE, fund effect,
each KPI's paths as a table and a small line chart drawn with QPainter).  Text is laid out by a
QTextDocument (HTML, every input text escaped) and printed by QPdfWriter; the file is written
atomically.  Needs a QGuiApplication (one is created if none exists, e.g. on the command line).
"""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any, Mapping

from PySide6.QtCore import QMarginsF, QPointF, QRectF, Qt, QUrl
from PySide6.QtGui import (QColor, QFont, QGuiApplication, QImage, QPageLayout, QPageSize, QPainter, QPdfWriter,
                           QPen, QTextDocument)

from kcplanner.atomic import atomic_path

_app_ref = None
CHART_W, CHART_H = 560, 220
COLORS = ("#1f4e79", "#c55a11", "#6b6b6b")


def _ensure_app() -> None:
    global _app_ref
    if QGuiApplication.instance() is None:
        _app_ref = QGuiApplication([])


def _e(text: Any) -> str:
    return html.escape("" if text is None else str(text)).replace("\n", "<br/>")


def money(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return ""
    return f"-${-x:,.0f}" if x < 0 else f"${x:,.0f}"


def number(x: float | None, digits: int = 2) -> str:
    if x is None or not math.isfinite(x):
        return ""
    return f"{x:,.{digits}f}"


def pct(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return ""
    return f"{x * 100:.1f}%"


def kpi_chart(kpi: Mapping[str, Any], labels: list[str], width: int = CHART_W, height: int = CHART_H) -> QImage:
    """A line chart of one KPI: without request, with request, target (dashed)."""
    scale = 2  # draw at twice the size for a crisp print
    img = QImage(width * scale, height * scale, QImage.Format.Format_ARGB32)
    img.fill(QColor("white"))
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.scale(scale, scale)
    series = [("Without request", kpi["without"], COLORS[0], Qt.PenStyle.SolidLine),
              ("With request", kpi["with"], COLORS[1], Qt.PenStyle.SolidLine),
              ("Target", kpi["target"], COLORS[2], Qt.PenStyle.DashLine)]
    values = [v for _, vs, _, _ in series for v in vs if v is not None and math.isfinite(v)]
    left, right, top, bottom = 64, 12, 24, 44
    plot = QRectF(left, top, width - left - right, height - top - bottom)
    font = QFont()
    font.setPointSizeF(7.5)
    p.setFont(font)
    p.setPen(QPen(QColor("#999999"), 0.8))
    p.drawRect(plot)
    title = f"{kpi['kpi_id']} {kpi['name']}"
    p.setPen(QColor("black"))
    p.drawText(QRectF(left, 2, plot.width(), 18), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title)
    if values:
        lo, hi = min(values), max(values)
        if hi == lo:
            pad = abs(hi) * 0.05 or 1.0
            lo, hi = lo - pad, hi + pad
        else:
            pad = (hi - lo) * 0.08
            lo, hi = lo - pad, hi + pad
        n = len(labels)

        def pt(i: int, v: float) -> QPointF:
            x = plot.left() + (plot.width() * (i + 0.5) / n)
            y = plot.bottom() - (v - lo) / (hi - lo) * plot.height()
            return QPointF(x, y)

        p.setPen(QColor("#444444"))
        for k in range(5):
            v = lo + (hi - lo) * k / 4
            y = plot.bottom() - plot.height() * k / 4
            p.setPen(QPen(QColor("#e5e5e5"), 0.5))
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.setPen(QColor("#444444"))
            p.drawText(QRectF(0, y - 7, left - 4, 14), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       f"{v:,.2f}")
        for i, lab in enumerate(labels):
            x = plot.left() + plot.width() * (i + 0.5) / n
            p.drawText(QRectF(x - 40, plot.bottom() + 2, 80, 14), Qt.AlignmentFlag.AlignHCenter, lab)
        for name, vs, color, style in series:
            pen = QPen(QColor(color), 1.6, style)
            p.setPen(pen)
            pts = [pt(i, v) for i, v in enumerate(vs) if v is not None and math.isfinite(v)]
            for a, b in zip(pts, pts[1:]):
                p.drawLine(a, b)
            if style == Qt.PenStyle.SolidLine:
                p.setBrush(QColor(color))
                for q in pts:
                    p.drawEllipse(q, 2.0, 2.0)
                p.setBrush(Qt.BrushStyle.NoBrush)
        # legend
        x = plot.left()
        for name, _, color, style in series:
            p.setPen(QPen(QColor(color), 2, style))
            p.drawLine(QPointF(x, height - 10), QPointF(x + 18, height - 10))
            p.setPen(QColor("black"))
            p.drawText(QRectF(x + 22, height - 17, 110, 14), Qt.AlignmentFlag.AlignLeft, name)
            x += 130
    p.end()
    return img


def justification_html(data: Mapping[str, Any], chart_urls: Mapping[tuple[int, int], str] | None = None) -> str:
    """The document as HTML (Qt's rich-text subset); every input text is escaped."""
    labels = list(data["year_labels"])
    city = data.get("city") or ""
    out = ["<html><head><style>",
           "body { font-family: 'Helvetica', 'Arial', sans-serif; font-size: 9pt; }",
           "h1 { font-size: 16pt; } h2 { font-size: 13pt; margin-top: 14px; } h3 { font-size: 10.5pt; }",
           "th { background-color: #dce6f1; font-weight: bold; } td, th { padding: 2px 4px; }",
           ".n { text-align: right; } .note { color: #555555; font-style: italic; }",
           "table.summary { font-size: 7.5pt; } h2.request { page-break-before: always; }",
           "</style></head><body>"]
    out.append(f"<h1>{_e(city + ' — ' if city else '')}{_e(data['department'])}: funding requests</h1>")
    out.append(f"<p class='note'>Scenario: {_e(data.get('scenario', ''))}. Costs are the net budget effect by "
               "fiscal year (a Reduction's savings are negative). KPI paths compare the scenario without and with "
               "each request.</p>")
    out.append("<table class='summary' border='1' cellspacing='0' cellpadding='2' width='100%'><tr><th>Rank</th>"
               "<th>Request</th><th>Title</th><th>Fund</th><th>FTE</th>"
               + "".join(f"<th>{_e(lab)}</th>" for lab in labels) + "<th>Five-year total</th></tr>")
    for req in data["requests"]:
        rank = req["rank"]
        rank_text = "" if rank is None else (f"{int(rank)}" if float(rank).is_integer() else f"{rank:g}")
        out.append(f"<tr><td>{_e(rank_text)}</td><td style='white-space: nowrap'>{_e(req['request_id'])}</td>"
                   f"<td>{_e(req['title'])}</td>"
                   f"<td>{_e(req['fund'])}</td><td class='n'>{number(req['fte'], 1)}</td>"
                   + "".join(f"<td class='n' style='white-space: nowrap'>{money(v)}</td>" for v in req["net_costs"])
                   + f"<td class='n' style='white-space: nowrap'><b>{money(req['net_total'])}</b></td></tr>")
    tot = data["totals"]
    out.append("<tr><td></td><td></td><td><b>Total</b></td><td></td>"
               f"<td class='n'>{number(tot['fte'], 1)}</td>"
               + "".join(f"<td class='n' style='white-space: nowrap'><b>{money(v)}</b></td>" for v in tot["net_costs"])
               + f"<td class='n' style='white-space: nowrap'><b>{money(tot['net_total'])}</b></td></tr></table>")

    for r_i, req in enumerate(data["requests"]):
        out.append(f"<h2 class='request'>{_e(req['request_id'])}: {_e(req['title'])}</h2>")
        out.append("<table cellspacing='0' cellpadding='2'>"
                   f"<tr><td><b>Program</b></td><td>{_e(req['program'])}</td><td><b>Fund</b></td><td>{_e(req['fund'])}</td></tr>"
                   f"<tr><td><b>Type</b></td><td>{_e(req['type'])}</td><td><b>Account class</b></td><td>{_e(req['account_class'])}</td></tr>"
                   f"<tr><td><b>Recurring</b></td><td>{'Yes' if req['recurring'] else 'No'}</td><td><b>FTE</b></td>"
                   f"<td>{number(req['fte'], 1)}</td></tr></table>")
        nar = req["narrative"]
        for label, text in (("What", nar.get("what")), ("Why", nar.get("why")),
                            ("Alternatives considered", nar.get("alternatives"))):
            if text:
                out.append(f"<p><b>{label}.</b> {_e(text)}</p>")
        for eff in nar.get("expected_effects", []):
            out.append(f"<p><b>Expected effect on {_e(eff['kpi_id'])}.</b> {_e(eff['text'])}</p>")
        if req.get("justification") and req["justification"] != nar.get("why"):
            out.append(f"<p><b>Justification.</b> {_e(req['justification'])}</p>")
        out.append("<h3>Costs by year</h3><table border='1' cellspacing='0' cellpadding='3'><tr><th></th>"
                   + "".join(f"<th>{_e(lab)}</th>" for lab in labels) + "<th>Five-year total</th></tr>")
        out.append("<tr><td>Cost as requested</td>" + "".join(f"<td class='n'>{money(v)}</td>" for v in req["costs"])
                   + f"<td class='n'><b>{money(req['total_cost'])}</b></td></tr>")
        out.append("<tr><td>Net budget effect</td>" + "".join(f"<td class='n'>{money(v)}</td>" for v in req["net_costs"])
                   + f"<td class='n'><b>{money(req['net_total'])}</b></td></tr></table>")
        if req["funds"]:
            out.append("<h3>Fund effect</h3><table border='1' cellspacing='0' cellpadding='3'><tr><th></th>"
                       + "".join(f"<th>{_e(lab)}</th>" for lab in labels) + "</tr>")
            for fe in req["funds"]:
                for label, key in (("ending balance", "balance_delta"), ("structural balance", "structural_delta")):
                    out.append(f"<tr><td>{_e(fe['fund'])}: {label}</td>"
                               + "".join(f"<td class='n'>{money(v)}</td>" for v in fe[key]) + "</tr>")
                out.append(f"<tr><td>{_e(fe['fund'])}: reserve ratio with the request</td>"
                           + "".join(f"<td class='n'>{pct(v)}</td>" for v in fe["reserve_ratio_with"]) + "</tr>")
            out.append("</table>")
        if not req["kpis"]:
            out.append("<p class='note'>No KPI is linked to this request or moved by it.</p>")
        for k_i, k in enumerate(req["kpis"]):
            unit = f" ({_e(k['unit'])})" if k.get("unit") else ""
            out.append(f"<h3>{_e(k['kpi_id'])} {_e(k['name'])}{unit} — {_e(k['direction'])}</h3>")
            out.append("<table border='1' cellspacing='0' cellpadding='3'><tr><th></th>"
                       + "".join(f"<th>{_e(lab)}</th>" for lab in labels) + "</tr>")
            for label, key, digits in (("Without request", "without", 2), ("With request", "with", 2),
                                       ("Target", "target", 2), ("Change", "delta", 4)):
                out.append(f"<tr><td>{label}</td>" + "".join(f"<td class='n'>{number(v, digits)}</td>" for v in k[key])
                           + "</tr>")
            out.append("</table>")
            if k.get("cost_per_unit") is not None:
                out.append(f"<p>Cost per unit-year of improvement: {money(k['cost_per_unit'])}</p>")
            url = (chart_urls or {}).get((r_i, k_i))
            if url:
                out.append(f"<p><img src='{url}' width='{CHART_W}' height='{CHART_H}'/></p>")
    out.append("</body></html>")
    return "".join(out)


def write_justification_pdf(data: Mapping[str, Any], out_path, charts: bool = True) -> None:
    """Write the justification PDF (US Letter, portrait) atomically to `out_path`."""
    _ensure_app()
    labels = list(data["year_labels"])
    doc = QTextDocument()
    urls: dict[tuple[int, int], str] = {}
    if charts:
        for r_i, req in enumerate(data["requests"]):
            for k_i, k in enumerate(req["kpis"]):
                url = f"chart://{r_i}/{k_i}.png"
                doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(url), kpi_chart(k, labels))
                urls[(r_i, k_i)] = url
    doc.setHtml(justification_html(data, urls))
    with atomic_path(Path(out_path), suffix=".pdf") as tmp:
        writer = QPdfWriter(str(tmp))
        writer.setPageSize(QPageSize(QPageSize.PageSizeId.Letter))
        writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter)
        writer.setResolution(300)
        writer.setTitle(f"{data['department']}: funding requests")
        writer.setCreator("kcplanner")
        doc.print_(writer)  # lays the document out on the writer's pages (points, not device pixels)
        del writer  # flushes and closes the file before it replaces the target


__all__ = ["write_justification_pdf", "justification_html", "kpi_chart"]
