"""The Review panel's burn-up chart: a department's, program's or the city's spending through the
year (kcplanner.review.burn_up): actual to date, the expected path from prior years, the budget
line and the year-end projection."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ..common import access, charts

MONTHS = np.arange(1, 13, dtype=float)


class BurnUpChart(QWidget):
    """`set_burn_up(frame, title)` draws a frame of burn_up; `data` keeps the frame drawn.  The title
    is a word-wrapped label above the plot (a long program name never widens the chart)."""

    def __init__(self, parent=None):
        charts.configure()
        super().__init__(parent)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setStyleSheet("font-size: 13px; background: white; padding: 4px;")
        self.view = access.chart(pg.GraphicsLayoutWidget(), "Burn-up chart",
                                 "Spent to date month by month against the budget; the figures are in the table")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.title)
        lay.addWidget(self.view, 1)
        self.plot = self.view.addPlot(axisItems={"left": charts.MoneyAxis("left")})
        charts.static_plot(self.plot)
        self.plot.getAxis("left").setWidth(64)
        # quarter ends labelled (P03 … P12), every month ticked
        self.plot.getAxis("bottom").setTicks([[(float(m), f"P{m:02d}") for m in (3, 6, 9, 12)],
                                              [(float(m), "") for m in range(1, 13) if m % 3]])
        self.plot.enableAutoRange(x=False)
        self.plot.setXRange(0.5, 12.8, padding=0)  # room for the P12 label
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
        self.title.setText(title)
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
        values = frame[["actual", "expected", "budget", "projection"]].to_numpy(dtype=float)
        top = np.nanmax(values) if np.isfinite(values).any() else 0.0
        self.plot.setYRange(min(0.0, np.nanmin(values)), top * 1.05 if top > 0 else 1.0)  # from $0: a burn-up
