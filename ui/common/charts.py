"""pyqtgraph helpers: one look for every chart, plan years on the x axis (0..4)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from . import fmt

BLUE = "#1f5fa8"
GREY = "#8a8a8a"
GREEN = "#1b7f3b"
RED = "#c0392b"
AMBER = "#d68910"
BAND = (31, 95, 168, 45)
POLICY_BAND = (27, 127, 59, 40)
X = np.arange(5, dtype=float)

_configured = False


def configure() -> None:
    """Global pyqtgraph options (white background, antialiasing); idempotent."""
    global _configured
    if not _configured:
        pg.setConfigOptions(antialias=True, background="w", foreground="#333333")
        _configured = True


configure()  # every chart module imports this one: pyqtgraph is set up when the first chart is (start-up imports no chart)


def short_year(label: str) -> str:
    """`FY2026-27` → `FY27`."""
    digits = "".join(ch for ch in label if ch.isdigit())
    return f"FY{digits[-2:]}" if len(digits) >= 2 else label


class MoneyAxis(pg.AxisItem):
    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph's name
        return [fmt.compact_money(v * scale) for v in values]


class PercentAxis(pg.AxisItem):
    def tickStrings(self, values, scale, spacing):  # noqa: N802
        # enough decimals that ticks 0.25 points apart do not all read "0%" and "1%"
        step = abs(spacing * scale) * 100
        decimals = next((d for d in range(3) if abs(step * 10 ** d - round(step * 10 ** d)) < 1e-6), 3)
        return [fmt.percent(v * scale, decimals) for v in values]


def set_year_ticks(plot: pg.PlotItem, labels: list[str], short: bool = True) -> None:
    ticks = [(float(i), short_year(lab) if short else lab) for i, lab in enumerate(labels)]
    plot.getAxis("bottom").setTicks([ticks])
    plot.enableAutoRange(x=False)
    plot.setXRange(-0.45, len(labels) - 0.55, padding=0)


def static_plot(plot: pg.PlotItem) -> None:
    """No mouse panning or zooming, no context menu or buttons: a chart to read."""
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()
    plot.setMenuEnabled(False)
    plot.showGrid(x=False, y=True, alpha=0.15)


def pen(color, width: float = 2.0, style=Qt.PenStyle.SolidLine):
    p = pg.mkPen(color=color, width=width)
    p.setStyle(style)
    p.setCosmetic(True)
    return p


def brush(rgba) -> QColor:
    return pg.mkBrush(*rgba) if isinstance(rgba, tuple) else pg.mkBrush(rgba)


def finite(y) -> np.ndarray:
    """Curves are drawn with connect='finite': NaN years are gaps."""
    return np.asarray(y, dtype=float)
