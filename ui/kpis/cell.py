"""One KPI's small chart in the KPIs tab: light Qt items drawn in C++, updated in place.

A cell is a frame with plain QGraphics items (paths and simple texts, no pyqtgraph item: pyqtgraph's
Python `paint` of ~4 items × 48 charts cost about 15 ms a repaint) created once per dataset.  A
recalculation gives new values to the same items (`set_values`: new paths); the y axis (round ticks,
the unit) changes only when the values leave it or use too little of it.

What a chart says, and how:
- title: the KPI's id, name and unit, wrapped on two lines (never cut before the unit); ✓ / ✗ after
  it when the scenario meets every target / misses one;
- the line under it: the unit, "lower is better" for such KPIs, and at the right the change against
  the baseline where it is largest, in words and a marker ("▼ 0.4 better in FY30"), in the
  better/worse colour;
- the y axis: round ticks (1, 2 or 5 × 10^k) ending the axis, "%" on each tick of a percent KPI;
  a flat series has one tick, its value;
- baseline grey dotted, scenario solid in the better (blue) / worse (orange) colour of that change
  (neutral when none), the low–high band shaded, targets as hollow circles.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainterPath, QPen
from PySide6.QtWidgets import QApplication, QGraphicsItem, QGraphicsPathItem, QGraphicsRectItem, QGraphicsSimpleTextItem

from ..common import charts, meaning
from ..common.fmt import kpi_value

CELL_HEIGHT = 190
MARGIN = 8
PAD = 6            # inside the frame
TITLE_LINES = 2
MAX_TICKS = 4      # round y ticks on a ~100 px axis
INK = "#333333"
MUTED = "#6b7785"
_FONTS: dict[str, QFont] = {}
_CACHE = QGraphicsItem.CacheMode.DeviceCoordinateCache


def font(kind: str) -> QFont:
    """The application's font at the size of a title, a small label or a goal heading."""
    if kind not in _FONTS:
        f = QFont(QApplication.font())
        f.setPointSizeF({"title": 8.5, "small": 7.5, "goal": 10.5}[kind])
        f.setBold(kind == "goal")
        _FONTS[kind] = f
    return _FONTS[kind]


def text_item(parent, kind: str, color: str = INK, cached: bool = True) -> QGraphicsSimpleTextItem:
    item = QGraphicsSimpleTextItem(parent)
    item.setFont(font(kind))
    item.setBrush(QColor(color))
    if cached:  # drawn once into a pixmap: repainting 48 charts blits it instead of laying out text
        item.setCacheMode(_CACHE)
    return item


def wrap(text: str, metrics: QFontMetricsF, width: float, lines: int = TITLE_LINES) -> str:
    """`text` on at most `lines` lines of `width` pixels, broken between words; only what still does
    not fit after the last line is elided (…)."""
    words, out, line = text.split(), [], ""
    for i, word in enumerate(words):
        candidate = f"{line} {word}".strip()
        if metrics.horizontalAdvance(candidate) <= width or not line:
            line = candidate
            continue
        out.append(line)
        line = word
        if len(out) == lines - 1:
            line = " ".join(words[i:])
            break
    out.append(line)
    out[-1] = metrics.elidedText(out[-1], Qt.TextElideMode.ElideRight, width)
    return "\n".join(out[:lines])


def tick_label(v: float, step: float, percent: bool) -> str:
    """A y tick: the round value (thousands separators, the decimals the step needs), `%` on a
    percent KPI; a flat series' one tick is the value itself."""
    text = charts.number_tick(v, step) if step > 0 else kpi_value(v)
    return text + "%" if percent else text


def line_path(x: np.ndarray, y: np.ndarray) -> QPainterPath:
    """A polyline through the finite points; a NaN year is a gap."""
    path = QPainterPath()
    pen_down = False
    for xi, yi in zip(x.tolist(), y.tolist()):
        if math.isfinite(yi):
            if pen_down:
                path.lineTo(xi, yi)
            else:
                path.moveTo(xi, yi)
            pen_down = True
        else:
            pen_down = False
    return path


def band_path(x: np.ndarray, low: np.ndarray, high: np.ndarray) -> QPainterPath:
    """The low–high band: one polygon per run of years where both are known."""
    path = QPainterPath()
    ok = np.isfinite(low) & np.isfinite(high)
    run: list[int] = []
    for i in list(range(len(x))) + [len(x)]:
        if i < len(x) and ok[i]:
            run.append(i)
            continue
        if len(run) > 1:
            path.moveTo(x[run[0]], high[run[0]])
            for j in run[1:]:
                path.lineTo(x[j], high[j])
            for j in reversed(run):
                path.lineTo(x[j], low[j])
            path.closeSubpath()
        run = []
    return path


def largest_changes(scenario: np.ndarray, baseline: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per KPI (rows), the year where scenario − baseline is largest relative to the baseline, and
    that change: what a chart of five years is judged by; 0.0 when nothing changed, NaN when nothing
    is known. One vectorised pass for every chart of a recalculation."""
    scenario, baseline = np.atleast_2d(scenario).astype(float), np.atleast_2d(baseline).astype(float)
    change = scenario - baseline
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.abs(change) / np.maximum(np.abs(baseline), 1e-12)
    rel[~np.isfinite(rel)] = -1.0
    j = np.argmax(rel, axis=1)
    rows = np.arange(len(j))
    best = rel[rows, j]
    out = np.where(best < 0, np.nan, np.where(best <= 1e-9, 0.0, change[rows, j]))
    return j, out


def largest_change(scenario: np.ndarray, baseline: np.ndarray) -> tuple[int, float]:
    """`largest_changes` of one KPI."""
    j, change = largest_changes(scenario, baseline)
    return int(j[0]), float(change[0])


def value_spans(*stacks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per KPI (rows), the lowest and highest finite value of the stacks (NaN when none)."""
    v = np.concatenate([np.atleast_2d(a).astype(float) for a in stacks], axis=1)
    finite = np.isfinite(v)
    lo = np.where(finite, v, np.inf).min(axis=1)
    hi = np.where(finite, v, -np.inf).max(axis=1)
    none = ~finite.any(axis=1)
    lo[none], hi[none] = np.nan, np.nan
    return lo, hi


def _pen(color, width: float, style=Qt.PenStyle.SolidLine) -> QPen:
    p = QPen(QColor(color), width, style)
    p.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return p


SCENARIO_PENS = {1: _pen(meaning.BETTER_HEX, 2.2), -1: _pen(meaning.WORSE_HEX, 2.2), 0: _pen(meaning.NEUTRAL_HEX, 2.2)}
BASELINE_PEN = _pen(charts.GREY, 1.4, Qt.PenStyle.DotLine)
TARGET_PEN = _pen("#222222", 1.2)
GRID_PEN = QPen(QColor("#e6e9ee"), 1)
AXIS_PEN = QPen(QColor("#c9d0d9"), 1)
BAND_BRUSH = QBrush(QColor(*charts.BAND))


class KpiCell:
    """The items of one KPI's small chart, created once per dataset and updated in place."""

    def __init__(self, k: int, title: str, unit: str, lower_is_better: bool, labels: list[str], scene):
        self.k, self.title_text, self.unit = k, title, unit or ""
        self.percent = self.unit.strip() == "%"
        self.lower_is_better = lower_is_better
        self.frame = QGraphicsRectItem()
        self.frame.setPen(QPen(QColor("#d5dbe3")))
        self.frame.setBrush(QBrush(QColor("#ffffff")))
        self.frame.setToolTip(title + ("\nLower is better" if lower_is_better else "\nHigher is better")
                              + "\nClick for its drivers and how much each contributes")
        scene.addItem(self.frame)
        self.title = text_item(self.frame, "title")
        self.info = text_item(self.frame, "small", MUTED)      # unit · lower is better
        self.change = text_item(self.frame, "small", MUTED)    # ▲ 1.2 better
        self.years = [text_item(self.frame, "small", "#555555") for _ in labels]
        for item, label in zip(self.years, labels):
            item.setText(charts.short_year(label))
        self.ticks = [text_item(self.frame, "small", "#555555") for _ in range(MAX_TICKS + 1)]
        self.grid = QGraphicsPathItem(self.frame)
        self.grid.setPen(GRID_PEN)
        self.axis = QGraphicsPathItem(self.frame)
        self.axis.setPen(AXIS_PEN)
        self.band = QGraphicsPathItem(self.frame)
        self.band.setPen(QPen(Qt.PenStyle.NoPen))
        self.band.setBrush(BAND_BRUSH)
        self.baseline = QGraphicsPathItem(self.frame)
        self.baseline.setPen(BASELINE_PEN)
        self.scenario = QGraphicsPathItem(self.frame)
        self.scenario.setPen(SCENARIO_PENS[0])
        # pyqtgraph's accessor, as the PlotCurveItem this line was had it (other panels' tests read it)
        self.scenario.getData = self.scenario_data
        self.before_read = None  # the panel's flush: results kept while its tab is hidden are drawn first
        self.target = QGraphicsPathItem(self.frame)
        self.target.setPen(TARGET_PEN)
        self.items = (self.grid, self.axis, self.band, self.baseline, self.scenario, self.target)
        n = len(labels)
        self.data = {name: np.full(n, np.nan) for name in ("baseline", "target", "scenario", "low", "high")}
        self.range: tuple[float, float] | None = None
        self.tick_values: list[float] = []
        self.rect = QRectF()
        self.area = QRectF()
        self.status: bool | None | str = "unset"
        self.sense = 0
        self._xs: np.ndarray | None = None
        self._info_text = ""  # the unit and "lower is better", unelided
        self._info_room = -1.0  # the width the info line was elided to
        self.updates = 0  # data updates drawn (tests: a hidden tab draws none)

    # -- data --------------------------------------------------------------------------------------
    def set_static(self, baseline: np.ndarray, target: np.ndarray) -> None:
        self.data["baseline"] = np.asarray(baseline, dtype=float)
        self.data["target"] = np.asarray(target, dtype=float)

    def set_values(self, scenario, low, high, span: tuple[float, float] | None = None) -> None:
        """New scenario values: the same items get new paths; the axis only when it must change.
        `span`: the lowest and highest value of the chart, when the caller has it (value_spans)."""
        self.updates += 1
        self.data["scenario"] = np.asarray(scenario, dtype=float)
        self.data["low"] = np.asarray(low, dtype=float)
        self.data["high"] = np.asarray(high, dtype=float)
        d = self.data
        if span is None:
            lo, hi = value_spans(d["baseline"], d["target"], d["scenario"], d["low"], d["high"])
            span = (float(lo[0]), float(hi[0]))
        lo, hi = span
        if not math.isfinite(lo):
            lo, hi = 0.0, 1.0
        if not charts.keeps_range(self.range, lo, hi):
            a, b, ticks = charts.nice_ticks(lo, hi, MAX_TICKS)
            if (a, b) != self.range or ticks != self.tick_values:
                self.range, self.tick_values = (a, b), ticks
                self._draw_axis()
                self._draw_static()
        self._draw_values()

    def scenario_data(self) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) of the scenario line as drawn (the engine's values)."""
        if self.before_read is not None:
            self.before_read()
        return charts.X[: len(self.data["scenario"])], self.data["scenario"]

    def tick_texts(self) -> list[str]:
        return [t.text() for t in self.ticks if t.isVisibleTo(self.frame)]

    def set_sense(self, largest: tuple[int, float] | None = None) -> None:
        """Colour and words of the scenario's change against the baseline: in the plan year where it
        is largest (relative to the baseline), named ("▼ 0.46 worse in FY30"), so that a line that
        parts from the baseline in later years never reads as unchanged. `largest`: (year, change)
        when the caller has it (largest_changes)."""
        j, biggest = largest or largest_change(self.data["scenario"], self.data["baseline"])
        sense = meaning.judged(biggest, self.lower_is_better)
        if sense != self.sense:
            self.sense = sense
            self.scenario.setPen(SCENARIO_PENS[sense])
        if sense == 0:
            text = "no change" if math.isfinite(biggest) else ""
        else:
            amount = kpi_value(abs(biggest)) + (" pt" if self.percent else "")
            text = f"{meaning.marker(biggest)} {amount} {'better' if sense > 0 else 'worse'} in {self.years[j].text()}"
        if text != self.change.text():
            self.change.setText(text)
            self.change.setBrush(meaning.BETTER if sense > 0 else meaning.WORSE if sense < 0 else QColor(MUTED))
            self._draw_info()

    def set_status(self, met: bool, has_target: bool) -> None:
        status = met if has_target else None
        if status != self.status:
            self.status = status
            self._draw_title()

    # -- geometry ----------------------------------------------------------------------------------
    def place(self, rect: QRectF) -> None:
        """Put the cell at `rect` (scene pixels)."""
        if rect == self.rect:
            return
        self.rect = QRectF(rect)
        self.frame.setRect(QRectF(0, 0, rect.width(), rect.height()))
        self.frame.setPos(rect.topLeft())
        self._draw_title()
        self._draw_info()
        self._draw_axis()
        self._draw_static()
        self._draw_values()

    def _x(self) -> np.ndarray:
        a = self.area
        n = len(self.data["scenario"])
        return a.left() + (np.arange(n) + 0.3) * a.width() / (n - 0.4)

    def _y(self, v: np.ndarray) -> np.ndarray:
        lo, hi = self.range or (0.0, 1.0)
        a = self.area
        return a.bottom() - (np.asarray(v, dtype=float) - lo) * a.height() / (hi - lo)

    def _top(self) -> float:
        line = QFontMetricsF(font("title")).height()
        return PAD + TITLE_LINES * line + QFontMetricsF(font("small")).height() + 6

    def _draw_title(self) -> None:
        if self.rect.isEmpty():
            return
        mark = "" if self.status in (None, "unset") else (" ✓" if self.status else " ✗")
        metrics = QFontMetricsF(font("title"))
        width = max(self.rect.width() - 2 * PAD, 20)
        self.title.setText(wrap(self.title_text + mark, metrics, width))
        self.title.setPos(PAD, PAD - 2)

    def _draw_info(self) -> None:
        """The line under the title: the unit and "lower is better" at the left (elided to the room
        the change leaves), the change at the right."""
        if self.rect.isEmpty():
            return
        small = QFontMetricsF(font("small"))
        y = self._top() - small.height() - 4
        change_width = small.horizontalAdvance(self.change.text())
        self.change.setPos(self.rect.width() - PAD - change_width, y)
        if not self._info_text:
            parts = [self.unit] if self.unit and not self.percent else []
            if self.lower_is_better:
                parts.append("lower is better")
            self._info_text = " · ".join(parts)
            self._info_full = small.horizontalAdvance(self._info_text)
        width = max(self.rect.width() - 2 * PAD - change_width - 10, 30)
        fits = self._info_full <= width
        if fits and self._info_room >= self._info_full and self.info.text() == self._info_text:
            return  # still whole: nothing to elide again (a drag changes only the change's text)
        self._info_room = width
        self.info.setText(self._info_text if fits else
                          small.elidedText(self._info_text, Qt.TextElideMode.ElideRight, width))
        self.info.setPos(PAD, y)

    def _draw_axis(self) -> None:
        """Tick labels (at most MAX_TICKS + 1 items, reused), the plot area sized to them, grid lines."""
        if self.rect.isEmpty() or self.range is None:
            return
        step = charts.tick_step(self.tick_values)
        texts = [tick_label(v, step, self.percent) for v in self.tick_values]
        small = QFontMetricsF(font("small"))
        left = PAD + max((small.horizontalAdvance(t) for t in texts), default=10) + 6
        top = self._top()
        bottom = self.rect.height() - small.height() - 6
        self.area = QRectF(left, top, max(self.rect.width() - left - PAD - 2, 10), max(bottom - top, 10))
        ys = self._y(np.array(self.tick_values))
        grid = QPainterPath()
        for item, text, y in zip(self.ticks, texts, ys.tolist()):
            item.setText(text)
            item.setPos(left - 5 - small.horizontalAdvance(text), y - small.height() / 2)
            item.setVisible(True)
            grid.moveTo(self.area.left(), y)
            grid.lineTo(self.area.right(), y)
        for item in self.ticks[len(texts):]:
            item.setVisible(False)
        self.grid.setPath(grid)
        axis = QPainterPath()
        axis.moveTo(self.area.left(), self.area.top())
        axis.lineTo(self.area.left(), self.area.bottom())
        axis.lineTo(self.area.right(), self.area.bottom())
        self.axis.setPath(axis)
        self._xs = self._x()  # the years' x positions, until the next layout
        for item, x in zip(self.years, self._xs.tolist()):
            item.setPos(x - item.boundingRect().width() / 2, self.area.bottom() + 2)

    def _draw_static(self) -> None:
        if self.area.isEmpty() or self.range is None:
            return
        x = self._x()
        self.baseline.setPath(line_path(x, self._y(self.data["baseline"])))
        targets = QPainterPath()
        for xi, yi in zip(x.tolist(), self._y(self.data["target"]).tolist()):
            if math.isfinite(yi):
                targets.addEllipse(QPointF(xi, yi), 3.2, 3.2)
        self.target.setPath(targets)

    def _draw_values(self) -> None:
        if self.area.isEmpty() or self.range is None:
            return
        d = self.data
        x = self._xs if self._xs is not None else self._x()
        scenario, low, high = self._y(np.stack([d["scenario"], d["low"], d["high"]]))  # one numpy pass
        self.scenario.setPath(line_path(x, scenario))
        self.band.setPath(band_path(x, low, high))
