"""The Evidence tab's two charts (pyqtgraph, the app's look: ui/common/charts.py).

- `HistoryChart`: a KPI and its drivers' spending by fiscal year, each indexed to 100 at the first
  year they all have (so a KPI in minutes and a program in dollars share one axis).
- `FitChart`: one driver's points (its lagged log spending change, the KPI's log change with the
  other drivers' part taken out) with the fitted line and the 80% interval of the elasticity as a
  band (the lines of slope low and high through the centre of the points).
"""

from __future__ import annotations

import math
from html import escape

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ..common import access, charts

DRIVER_COLORS = (charts.GREEN, charts.AMBER, "#7b3fa0", charts.RED, "#2a9d8f", charts.GREY)


def indexed(values: np.ndarray) -> tuple[np.ndarray, int | None]:
    """(rows × years) → each row × 100 ÷ its value in the first column where every row is above 0;
    (values indexed, that column) — None (each row at its own first value) when there is none."""
    ok = np.isfinite(values) & (values > 0)
    common = np.flatnonzero(ok.all(axis=0)) if values.size else np.zeros(0, dtype=int)
    if common.size:
        c = int(common[0])
        return values / values[:, [c]] * 100.0, c
    out = np.full(values.shape, np.nan)
    for r in range(values.shape[0]):
        first = np.flatnonzero(ok[r])
        if first.size:
            out[r] = values[r] / values[r, first[0]] * 100.0
    return out, None


def _title_label() -> QLabel:
    title = QLabel()
    title.setWordWrap(True)
    title.setAlignment(Qt.AlignmentFlag.AlignCenter)
    title.setStyleSheet("font-size: 13px; background: white; padding: 4px;")
    return title


class _Chart(QWidget):
    """A word-wrapped title above one static plot."""

    CHART_NAME = "Chart"  # what a screen reader says for the plot (ui/common/access.py)

    def __init__(self, axes: dict | None = None, parent=None):
        charts.configure()
        super().__init__(parent)
        self.title = _title_label()
        self.view = access.chart(pg.GraphicsLayoutWidget(), self.CHART_NAME, "The figures are in the drivers table")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.title)
        lay.addWidget(self.view, 1)
        self.key = QLabel()  # the legend, in words under the title: it never covers a point
        self.key.setWordWrap(True)
        self.key.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.key.setStyleSheet("font-size: 11px; background: white; padding: 0 4px 4px 4px;")
        lay.insertWidget(1, self.key)
        self.plot = self.view.addPlot(axisItems=axes)
        charts.static_plot(self.plot)
        self.plot.getAxis("left").setWidth(56)
        for name in ("left", "bottom"):
            self.plot.getAxis(name).enableAutoSIPrefix(False)


class HistoryChart(_Chart):
    """`set_history(years, labels, kpi_name, kpi_values, driver_names, driver_values, title)`."""

    CHART_NAME = "History of the KPI and its driver"

    def __init__(self, parent=None):
        super().__init__(parent=parent)
        self.plot.setLabel("left", "index (100 = first common year)")
        self.curves: list = []
        self.base_year: int | None = None
        self.data: dict = {}

    def clear(self, title: str = "") -> None:
        for c in self.curves:
            self.plot.removeItem(c)
        self.curves = []
        self.key.setText("")
        self.title.setText(title)
        self.data = {}

    def set_history(self, years, labels, kpi_name: str, kpi_values, driver_names, driver_values, title: str) -> None:
        self.clear()
        years = np.asarray(years, dtype=float)
        rows = np.vstack([np.asarray(kpi_values, dtype=float)] + [np.asarray(v, dtype=float) for v in driver_values]) \
            if len(years) else np.zeros((0, 0))
        values, base = indexed(rows) if rows.size else (rows, None)
        self.base_year = int(years[base]) if base is not None else None
        self.data = {"years": years, "values": values, "names": [kpi_name] + list(driver_names)}
        when = (f"indexed to 100 in {labels[base]}" if base is not None
                else "no year has every series: each indexed to 100 at its own first year")
        self.title.setText(f"{title}<br><span style='color:#555'>{when}</span>")
        key = []
        for r, name in enumerate(self.data["names"]):
            if r == 0:
                curve = self.plot.plot(years, values[r], pen=charts.pen(charts.BLUE, 3), symbol="o", symbolSize=6,
                                       symbolBrush=charts.BLUE, connect="finite")
                key.append(f"<span style='color:{charts.BLUE}'><b>—●</b> {escape(name)} (KPI)</span>")
            else:
                color = DRIVER_COLORS[(r - 1) % len(DRIVER_COLORS)]
                curve = self.plot.plot(years, values[r], pen=charts.pen(color, 2, Qt.PenStyle.DashLine),
                                       symbol="s", symbolSize=5, symbolBrush=color, connect="finite")
                key.append(f"<span style='color:{color}'><b>- ■</b> {escape(name)} spending</span>")
            self.curves.append(curve)
        self.key.setText(" &nbsp; ".join(key))
        step = max(1, int(math.ceil(len(years) / 8)))
        ticks = [(float(y), charts.short_year(lab)) for y, lab in zip(years[::step], labels[::step])]
        self.plot.getAxis("bottom").setTicks([ticks])
        if len(years):
            self.plot.enableAutoRange(x=False)
            self.plot.setXRange(years[0] - 0.4, years[-1] + 0.4, padding=0)
            finite = values[np.isfinite(values)]
            if finite.size:
                lo, hi = float(finite.min()), float(finite.max())
                pad = max((hi - lo) * 0.08, 2.0)
                self.plot.setYRange(lo - pad, hi + pad, padding=0)


class FitChart(_Chart):
    """`set_fit(points, intercept, estimate, low, high, title)`: `points` has x and y (the y the
    line is drawn against: y_partial when the KPI has other drivers)."""

    CHART_NAME = "Fit of the KPI against spending"

    def __init__(self, parent=None):
        super().__init__(axes={"left": charts.PercentAxis("left"), "bottom": charts.PercentAxis("bottom")},
                         parent=parent)
        self.plot.setLabel("left", "KPI change (log, ≈ %)")
        self.plot.setLabel("bottom", "spending change, lagged (log, ≈ %)")
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.low = pg.PlotCurveItem(pen=pg.mkPen(None))
        self.high = pg.PlotCurveItem(pen=pg.mkPen(None))
        self.band = pg.FillBetweenItem(self.low, self.high, brush=charts.brush(charts.BAND))
        self.plot.addItem(self.band)
        self.plot.addItem(self.low)
        self.plot.addItem(self.high)
        self.line = self.plot.plot(pen=charts.pen(charts.BLUE, 2.5))
        self.points = self.plot.plot(pen=None, symbol="o", symbolSize=8, symbolBrush=charts.AMBER,
                                     symbolPen=pg.mkPen("#5a3a00"))
        self.key.setText(f"<span style='color:{charts.BLUE}'><b>—</b> fitted elasticity</span> &nbsp; "
                         f"<span style='background:#c5d6ea'>&nbsp;&nbsp;&nbsp;</span> its 80% interval &nbsp; "
                         f"<span style='color:{charts.AMBER}'>●</span> one year's change")
        self.zero = pg.InfiniteLine(0.0, angle=0, pen=charts.pen(charts.GREY, 1, Qt.PenStyle.DotLine))
        self.plot.addItem(self.zero)
        self.data: dict = {}

    def clear(self, title: str = "") -> None:
        self.title.setText(title)
        for item in (self.line, self.points, self.low, self.high):
            item.setData([], [])
        self.data = {}

    def set_fit(self, points, intercept: float, estimate: float, low: float, high: float, title: str) -> None:
        x = np.asarray(points["x"], dtype=float)
        y = np.asarray(points["y"], dtype=float)
        self.title.setText(title)
        self.points.setData(x, y)
        self.data = {"x": x, "y": y, "estimate": estimate, "low": low, "high": high, "intercept": intercept}
        if not x.size or not math.isfinite(estimate):
            for item in (self.line, self.low, self.high):
                item.setData([], [])
            self._range(x, y)
            return
        span = max(float(x.max() - x.min()), 1e-6)
        xs = np.linspace(float(x.min()) - 0.08 * span, float(x.max()) + 0.08 * span, 50)
        xc = float(x.mean())
        yc = intercept + estimate * xc
        self.line.setData(xs, intercept + estimate * xs)
        a, b = yc + low * (xs - xc), yc + high * (xs - xc)
        self.low.setData(xs, np.minimum(a, b))
        self.high.setData(xs, np.maximum(a, b))
        self._range(np.concatenate([x, xs]), np.concatenate([y, a, b]))

    def _range(self, x, y) -> None:
        x, y = x[np.isfinite(x)], y[np.isfinite(y)]
        if not x.size:
            return
        for setter, v in ((self.plot.setXRange, x), (self.plot.setYRange, y)):
            lo, hi = float(v.min()), float(v.max())
            pad = max((hi - lo) * 0.06, 0.005)
            setter(lo - pad, hi + pad, padding=0)
