"""The Review panel's burn-up chart: a department's, program's or the city's spending through the
year (kcplanner.review.burn_up): actual to date, the expected path from prior years, the budget
line and the year-end projection."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from ..common import charts

MONTHS = np.arange(1, 13, dtype=float)


class BurnUpChart(pg.GraphicsLayoutWidget):
    """`set_burn_up(frame, title)` draws a frame of burn_up; `data` keeps the frame drawn."""

    def __init__(self, parent=None):
        charts.configure()
        super().__init__(parent)
        self.plot = self.addPlot(axisItems={"left": charts.MoneyAxis("left")})
        charts.static_plot(self.plot)
        self.plot.getAxis("left").setWidth(64)
        self.plot.getAxis("bottom").setTicks([[(float(m), f"P{m:02d}") for m in range(1, 13)]])
        self.plot.enableAutoRange(x=False)
        self.plot.setXRange(0.5, 12.5, padding=0)
        self.plot.addLegend(offset=(-8, -8))  # bottom right: the burn-up rises away from it
        self.budget = self.plot.plot(pen=charts.pen(charts.GREY, 1.5, Qt.PenStyle.DotLine), name="budget")
        self.projection = self.plot.plot(pen=charts.pen(charts.AMBER, 1.5, Qt.PenStyle.DashLine),
                                         name="year-end projection")
        self.expected = self.plot.plot(pen=charts.pen(charts.GREY, 2, Qt.PenStyle.DashLine),
                                       name="expected (prior years)")
        self.actual = self.plot.plot(pen=charts.pen(charts.BLUE, 2.5), symbol="o", symbolSize=6,
                                     symbolBrush=charts.BLUE, name="actual to date")
        self.data = None

    def set_burn_up(self, frame, title: str) -> None:
        self.data = frame
        self.plot.setTitle(title)
        if frame is None or frame.empty:
            for item in (self.budget, self.projection, self.expected, self.actual):
                item.setData([], [])
            return
        x = frame.index.to_numpy(dtype=float)
        actual = frame["actual"].to_numpy(dtype=float)
        done = np.isfinite(actual)
        self.actual.setData(x[done], actual[done])
        self.expected.setData(x, frame["expected"].to_numpy(dtype=float))
        self.budget.setData(x, frame["budget"].to_numpy(dtype=float))
        self.projection.setData(x, frame["projection"].to_numpy(dtype=float))
