"""pyqtgraph helpers: one look for every chart, plan years on the x axis (0..4)."""

from __future__ import annotations

import math

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


def once(labels: list[str]) -> list[str]:
    """A label repeated on neighbouring ticks (a flat series at `$1.2B $1.2B $1.2B`) is shown once."""
    return [lab if i == 0 or lab != labels[i - 1] else "" for i, lab in enumerate(labels)]


class MajorOnlyAxis(pg.AxisItem):
    """pyqtgraph's axis with labels on major ticks only (it labels minor ticks too when there is
    room: 15 labels a chart) and a repeated label shown once."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setStyle(maxTickLevel=0, maxTextLevel=0)


class MoneyAxis(MajorOnlyAxis):
    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph's name
        return once([fmt.compact_money(v * scale) for v in values])


class PercentAxis(MajorOnlyAxis):
    def tickStrings(self, values, scale, spacing):  # noqa: N802
        # enough decimals that ticks 0.25 points apart do not all read "0%" and "1%"
        step = abs(spacing * scale) * 100
        decimals = next((d for d in range(3) if abs(step * 10 ** d - round(step * 10 ** d)) < 1e-6), 3)
        return once([fmt.percent(v * scale, decimals) for v in values])


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


# -- round ticks: major ticks only, the range ending on them, set only when they change -------------
FLAT_TOLERANCE = 1e-9


def is_flat(lo: float, hi: float) -> bool:
    """A series whose values are all the same (to rounding): its value is shown once."""
    return hi - lo <= FLAT_TOLERANCE * max(abs(lo), abs(hi), 1.0)


def nice_ticks(lo: float, hi: float, max_ticks: int = 5) -> tuple[float, float, list[float]]:
    """(axis low, axis high, ticks): ticks at a round step (1, 2 or 5 × 10^k), the axis ending on the
    first tick at or below `lo` and the last at or above `hi`, at most `max_ticks` ticks. A flat series
    gets one tick, its value, in the middle of the axis."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return 0.0, 1.0, [0.0, 1.0]
    if is_flat(lo, hi):
        half = abs(lo) * 0.1 or 1.0
        return lo - half, lo + half, [lo]
    raw = (hi - lo) / max(max_ticks - 1, 1)
    exp = math.floor(math.log10(raw))
    for mult in (1, 2, 5, 10, 20):
        step = mult * 10.0 ** exp
        first = math.floor(lo / step + 1e-9)
        last = math.ceil(hi / step - 1e-9)
        if last - first + 1 <= max_ticks:
            break
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    ticks = [round(i * step, decimals + 1) for i in range(first, last + 1)]
    return ticks[0], ticks[-1], ticks


def tick_step(ticks: list[float]) -> float:
    """The step between ticks (0 for a single tick: a flat series)."""
    return abs(ticks[1] - ticks[0]) if len(ticks) > 1 else 0.0


def step_decimals(step: float, unit: float = 1.0) -> int:
    """Decimals that tell ticks `step` apart when written in `unit`s: 0 for 200, 1 for 0.5, 2 for 0.25."""
    if step <= 0:
        return 2
    return max(0, -math.floor(math.log10(step / unit) + 1e-9))


def keeps_range(current: tuple[float, float] | None, lo: float, hi: float, use: float = 0.6) -> bool:
    """True while the values fit the axis shown and use enough of it: no rescale (no jitter in a drag)."""
    if current is None or is_flat(lo, hi):
        return False
    a, b = current
    return a <= lo and hi <= b and (hi - lo) >= use * (b - a)


def finite_range(*arrays) -> tuple[float, float]:
    """(min, max) of the finite values of the arrays; (nan, nan) when there are none."""
    v = np.concatenate([np.asarray(a, dtype=float).ravel() for a in arrays]) if arrays else np.zeros(0)
    v = v[np.isfinite(v)]
    return (float(v.min()), float(v.max())) if v.size else (math.nan, math.nan)


class RoundAxis:
    """A pyqtgraph plot's y axis with round major ticks only (no minor-tick labels: pyqtgraph shows
    both when there is room, 15 labels a chart), its range ending on ticks, updated only when the
    values leave it or use too little of it. `label(v, step)` writes a tick (step 0: a flat series)."""

    def __init__(self, plot: pg.PlotItem, label, max_ticks: int = 5, zero: bool = False):
        self.plot, self.label, self.max_ticks, self.zero = plot, label, max_ticks, zero
        self.range: tuple[float, float] | None = None
        self.ticks: list[float] = []
        self.changes = 0  # how many times the axis was rescaled (tests, benchmarks)
        plot.enableAutoRange(y=False)

    def fit(self, *arrays) -> bool:
        """Fit the axis to the finite values of `arrays`; True when the ticks changed."""
        lo, hi = finite_range(*arrays)
        if not math.isfinite(lo):
            lo, hi = 0.0, 1.0
        if self.zero:
            lo, hi = min(lo, 0.0), max(hi, 0.0)
        if keeps_range(self.range, lo, hi):
            return False
        a, b, ticks = nice_ticks(lo, hi, self.max_ticks)
        if (a, b) == self.range and ticks == self.ticks:
            return False
        self.range, self.ticks = (a, b), ticks
        step = tick_step(ticks)
        self.plot.getAxis("left").setTicks([[(v, self.label(v, step)) for v in ticks], []])
        self.plot.setYRange(a, b, padding=0.04)
        self.changes += 1
        return True

    def starts_at_zero(self) -> bool:
        return self.range is None or self.range[0] <= 0.0 <= self.range[1]


def money_tick(v: float, step: float) -> str:
    """A dollar tick, compact ($1.2B, $850M) with the decimals the step needs (a flat series' one
    tick: as on the cards)."""
    if step <= 0:
        return fmt.compact_money(v)
    return fmt.compact_money(v, lambda unit: min(step_decimals(step, unit), 2))


def percent_tick(v: float, step: float) -> str:
    """A fraction as a percent tick: 0.25 → 25% (a flat series' one tick: one decimal)."""
    return f"{v * 100:,.{step_decimals(step * 100) if step > 0 else 1}f}%"


def number_tick(v: float, step: float) -> str:
    """A plain number tick with thousands separators: 1,200 · 9.5 (a flat series: fmt.kpi_value)."""
    if step <= 0:
        return fmt.kpi_value(v)
    return f"{v:,.{step_decimals(step)}f}"


def zero_note(title: str, low: float) -> str:
    """A money chart's title when its axis does not start at zero: the note on a second line, so a
    long title does not set the chart's minimum width (the Funds tab's three charts fit at 1280)."""
    return f"{title}<br><small>axis starts at {money_tick(low, 0)}, not 0</small>"
