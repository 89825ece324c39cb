"""The KPI chart of the justification PDF: one KPI over the plan years — without the request, with
it, and the target (dashed) — drawn with QPainter straight into the PDF (vector lines and text).
A Chart may name other series, a title and an axis format (the quarterly report's burn-up chart,
ui.review.report_pdf); `dashed` is True, False or "dot".

`chart_geometry` is the pure part (axis range, ticks, each series' points in page coordinates);
`draw_chart` paints it.  The tests read the geometry back to check the points are the KPI's values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from .pdf_layout import Chart, Fonts

#: (legend, data key, colour, dashed)
SERIES = (("Without request", "without", "#1f4e79", False),
          ("With request", "with", "#c55a11", False),
          ("Target", "target", "#6b6b6b", True))
TITLE_FONT, AXIS_FONT = "body_b", "small"


@dataclass
class Series:
    name: str
    key: str
    color: str
    dashed: bool | str
    points: list          # (x, y, value) per plan year, None where the year has no value


@dataclass
class ChartGeometry:
    title: str
    plot: tuple           # (x, y, w, h) of the plot area
    lo: float
    hi: float
    ticks: list           # (value, y, text)
    xs: list              # x of each plan year
    labels: list
    series: list          # Series, only those with a value


def _finite(v) -> bool:
    return v is not None and isinstance(v, (int, float)) and math.isfinite(v)


def nice_ticks(lo: float, hi: float, n: int = 4) -> tuple[float, float, float]:
    """(lo, hi, step) widened to round steps (1, 2, 2.5 or 5 × 10^k), about `n` intervals."""
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:
        pad = abs(hi) * 0.05 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi / n - lo / n)          # never overflows, even for ±1e308
    mag = 10.0 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    q_lo, q_hi = lo / step, hi / step
    if not (math.isfinite(q_lo) and math.isfinite(q_hi)) or max(abs(q_lo), abs(q_hi)) > 1e15:
        return lo, hi, raw              # values beyond any round step: the range as it is
    lo2, hi2 = math.floor(q_lo) * step, math.ceil(q_hi) * step
    if not (math.isfinite(lo2) and math.isfinite(hi2)):
        return lo, hi, raw
    return lo2, hi2, step


def _tick_text(v: float, step: float) -> str:
    """A tick value with as many decimals as the step needs (0.25 → 2, 2.5 → 1, 50 → 0)."""
    if max(abs(v), step) >= 1e15:
        return f"{v:.3g}"
    s = f"{step:.6g}"
    if "e" in s:
        digits = max(0, 1 - math.floor(math.log10(step)))
    else:
        digits = len(s.partition(".")[2])
    return f"{v:,.{min(digits, 6)}f}"


def kpi_title(k) -> str:
    """`PS-01 Response time (minutes)`; the unit is left out when the name already holds it."""
    unit = k.get("unit") or ""
    shown = f" ({unit})" if unit and unit.casefold() not in str(k["name"]).casefold() else ""
    return f"{k['kpi_id']} {k['name']}{shown}"


def chart_geometry(chart: Chart, fonts: Fonts) -> ChartGeometry:
    kpi, labels = chart.kpi, list(chart.labels)
    specs = chart.series or SERIES
    title = chart.title if chart.title is not None else kpi_title(kpi)
    values = [v for _, key, _, _ in specs for v in kpi.get(key) or [] if _finite(v)]
    if values:      # a little room above and below, so no line runs along the frame
        pad = (max(values) / 2 - min(values) / 2) * 0.08
        low, high = min(values) - pad, max(values) + pad
        if chart.floor is not None and min(values) >= chart.floor:
            low = max(low, chart.floor)
        lo, hi, step = nice_ticks(low if math.isfinite(low) else min(values),
                                  high if math.isfinite(high) else max(values))
    else:
        lo, hi, step = 0.0, 1.0, 0.25
    n_ticks = max(1, min(int(round(hi / step - lo / step)), 12))
    ticks_v = [lo * (1 - i / n_ticks) + hi * (i / n_ticks) for i in range(n_ticks + 1)]   # no overflow
    texts = [chart.tick_text(v) if chart.tick_text else _tick_text(v, step) for v in ticks_v]
    left = max(fonts.width(AXIS_FONT, t) for t in texts) + 8
    top = fonts.line(TITLE_FONT) + 12
    bottom = fonts.line(AXIS_FONT) * 2 + 12      # year labels, then the legend
    px, py = chart.x + left, chart.y + top
    pw, ph = max(chart.w - left - 8, 10.0), max(chart.h - top - bottom, 10.0)
    n = max(len(labels), 1)
    xs = [px + pw * (i + 0.5) / n for i in range(n)]

    def y_of(v: float) -> float:      # halves first: no overflow near ±1e308
        return py + ph - (v / 2 - lo / 2) / (hi / 2 - lo / 2) * ph

    ticks = [(v, y_of(v), t) for v, t in zip(ticks_v, texts)]
    series = []
    for name, key, color, dashed in specs:
        vals = list(kpi.get(key) or [])
        pts = [(xs[i], y_of(v), v) if i < n and _finite(v) else None for i, v in enumerate(vals)]
        if any(p is not None for p in pts):
            series.append(Series(name, key, color, dashed, pts))
    return ChartGeometry(title, (px, py, pw, ph), lo, hi, ticks, xs, labels, series)


def _pen_style(dashed) -> Qt.PenStyle:
    """True: dashed; "dot": dotted; False: solid."""
    if dashed == "dot":
        return Qt.PenStyle.DotLine
    return Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine


def draw_chart(p: QPainter, chart: Chart, fonts: Fonts) -> ChartGeometry:
    g = chart_geometry(chart, fonts)
    px, py, pw, ph = g.plot
    p.save()
    p.setPen(QPen(QColor("#c8c8c8"), 0.5))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRect(QRectF(chart.x, chart.y, chart.w, chart.h))
    p.setFont(fonts.font(TITLE_FONT))
    p.setPen(QColor("#000000"))
    title = fonts.metrics(TITLE_FONT).elidedText(g.title, Qt.TextElideMode.ElideRight, chart.w - 12)
    p.drawText(QRectF(chart.x + 6, chart.y + 3, chart.w - 12, fonts.line(TITLE_FONT)),
               Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title)
    p.setFont(fonts.font(AXIS_FONT))
    lh = fonts.line(AXIS_FONT)
    for v, y, text in g.ticks:
        p.setPen(QPen(QColor("#e3e3e3"), 0.5))
        p.drawLine(QPointF(px, y), QPointF(px + pw, y))
        p.setPen(QColor("#444444"))
        p.drawText(QRectF(chart.x, y - lh / 2, px - chart.x - 4, lh),
                   Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text)
    p.setPen(QPen(QColor("#8a8a8a"), 0.6))
    p.drawRect(QRectF(px, py, pw, ph))
    p.setPen(QColor("#444444"))
    slot = pw / max(len(g.xs), 1)
    for x, lab in zip(g.xs, g.labels):
        p.drawText(QRectF(x - slot / 2, py + ph + 2, slot, lh), Qt.AlignmentFlag.AlignHCenter, str(lab))
    for s in g.series:
        p.setPen(QPen(QColor(s.color), 1.3, _pen_style(s.dashed)))
        pts = [QPointF(x, y) for x, y, _ in (q for q in s.points if q is not None)]
        for a, b in zip(pts, pts[1:]):
            p.drawLine(a, b)
        if not s.dashed:
            p.setBrush(QColor(s.color))
            for q in pts:
                p.drawEllipse(q, 1.6, 1.6)
            p.setBrush(Qt.BrushStyle.NoBrush)
    # legend, under the year labels
    x, y = px, py + ph + lh + 8
    for s in g.series:
        p.setPen(QPen(QColor(s.color), 1.6, _pen_style(s.dashed)))
        p.drawLine(QPointF(x, y + lh / 2), QPointF(x + 16, y + lh / 2))
        p.setPen(QColor("#000000"))
        w = fonts.width(AXIS_FONT, s.name)
        p.drawText(QRectF(x + 20, y, w + 2, lh), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, s.name)
        x += 20 + w + 14
    if not g.series:
        p.drawText(QRectF(px, py, pw, ph), Qt.AlignmentFlag.AlignCenter, "No values to chart")
    p.restore()
    return g


__all__ = ["kpi_title", "chart_geometry", "draw_chart", "nice_ticks", "ChartGeometry", "SERIES"]
