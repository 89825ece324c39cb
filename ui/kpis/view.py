"""KPI panel: small multiples, one chart per KPI, grouped by goal.

Each chart shows the baseline path (grey, dashed), the scenario path (green when it meets every
target, red otherwise), the low–high band (FillBetweenItem) and the targets (markers).  The plot
items are created once per dataset; a recalculation calls `setData` only on the curves whose
values changed.  Clicking a chart (or choosing a KPI and pressing Details) opens its detail:
drivers and how much each contributes.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPen, QTransform
from PySide6.QtWidgets import (QApplication, QCheckBox, QGraphicsRectItem, QGraphicsSimpleTextItem, QComboBox, QDialog, QHBoxLayout, QHeaderView, QLabel, QPushButton,
                               QScrollArea, QSplitter, QTableView, QVBoxLayout, QWidget)

from ..common import access, charts, fmt
from ..common.charts import X
from ..common import table_copy
from ..common.models import TableModel

CELL_HEIGHT = 170
GOAL_HEIGHT = 30
MIN_CELL_WIDTH = 250
MARGIN = 8
PLOT_LEFT = 52    # room for the y labels
PLOT_TOP = 24     # room for the title
PLOT_BOTTOM = 20  # room for the year labels
_FONTS: dict[str, QFont] = {}


def _font(kind: str) -> QFont:
    """The application's font at the size of a title, a small label or a goal heading."""
    if kind not in _FONTS:
        f = QFont(QApplication.font())
        f.setPointSizeF({"title": 8.5, "small": 7.5, "goal": 10.5}[kind])
        f.setBold(kind == "goal")
        _FONTS[kind] = f
    return _FONTS[kind]


def kpi_goals(prepared) -> list[tuple[str, str]]:
    """(goal id, goal name) per KPI, in the order of `prepared.kpi_ids`."""
    plan = prepared.dataset.plan
    goals = {}
    if len(plan.goals) and "goal_id" in plan.goals.columns:
        for gid, name in zip(plan.goals["goal_id"], plan.goals["goal"]):
            goals[str(gid).strip().casefold()] = (str(gid), str(name))
    by_kpi = {}
    if len(plan.kpis) and "goal_id" in plan.kpis.columns:
        for kid, gid in zip(plan.kpis["kpi_id"], plan.kpis["goal_id"]):
            key = str(gid).strip().casefold() if gid is not None and gid == gid else ""
            by_kpi[str(kid).strip()] = goals.get(key, (str(gid) if key else "", str(gid) if key else "No goal"))
    return [by_kpi.get(k, ("", "No goal")) for k in prepared.kpi_ids]


def elide(text: str, n: int = 38) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _text(parent, font, color="#333333") -> QGraphicsSimpleTextItem:
    item = QGraphicsSimpleTextItem(parent)
    item.setFont(font)
    item.setBrush(QColor(color))
    return item


class KpiCell:
    """The items of one KPI's small chart, created once per dataset.

    The pyqtgraph items hold the KPI's own values (curve.getData() is what the engine gave); a
    QTransform per cell maps them into the cell's plot area, so a recalculation is one `setData`
    per changed curve, plus a new transform when the value range grows or shrinks."""

    def __init__(self, k: int, title: str, labels: list[str], scene):
        self.k = k
        self.title_text = title
        self.frame = QGraphicsRectItem()
        self.frame.setPen(QPen(QColor("#d5dbe3")))
        self.frame.setBrush(QBrush(QColor("#ffffff")))
        self.frame.setToolTip(title + "\nClick for its drivers and how much each contributes")
        scene.addItem(self.frame)
        self.title = _text(self.frame, _font('title'))
        self.top = _text(self.frame, _font('small'), "#555555")
        self.bottom = _text(self.frame, _font('small'), "#555555")
        self.first = _text(self.frame, _font('small'), "#555555")
        self.last = _text(self.frame, _font('small'), "#555555")
        self.first.setText(charts.short_year(labels[0]))
        self.last.setText(charts.short_year(labels[-1]))
        self.axis = QGraphicsRectItem(self.frame)
        self.axis.setPen(QPen(QColor("#e3e7ec")))
        self.low = pg.PlotCurveItem(pen=pg.mkPen(None))
        self.high = pg.PlotCurveItem(pen=pg.mkPen(None))
        self.band = pg.FillBetweenItem(self.low, self.high, brush=charts.brush(charts.BAND))
        self.baseline = pg.PlotCurveItem(pen=charts.pen(charts.GREY, 1.5, Qt.PenStyle.DashLine))
        self.scenario = pg.PlotCurveItem(pen=charts.pen(charts.GREEN, 2.2))
        self.target = pg.ScatterPlotItem(symbol="t1", size=8, pen=pg.mkPen("#222222"), brush=pg.mkBrush("#ffd54f"))
        self.items = (self.band, self.low, self.high, self.baseline, self.scenario, self.target)
        for item in self.items:
            item.setParentItem(self.frame)
        self.static = np.zeros((2, 5))
        self.range: tuple[float, float] | None = None
        self.rect = QRectF()
        self.status: bool | None | str = "unset"

    def set_static(self, baseline: np.ndarray, target: np.ndarray) -> None:
        self.static = np.vstack([baseline, target])
        self.baseline.setData(X, baseline, connect="finite")
        ok = ~np.isnan(target)
        self.target.setData(X[ok], target[ok])

    def set_values(self, scenario, low, high) -> None:
        self.scenario.setData(X, scenario, connect="finite")
        self.low.setData(X, low, connect="finite")
        self.high.setData(X, high, connect="finite")
        values = np.concatenate([self.static.ravel(), scenario, low, high])
        values = values[np.isfinite(values)]
        lo, hi = (float(values.min()), float(values.max())) if values.size else (0.0, 1.0)
        if hi - lo < 1e-9 * max(abs(hi), 1.0):
            lo, hi = lo - max(abs(lo) * 0.05, 0.5), hi + max(abs(hi) * 0.05, 0.5)
        if self.range is not None:  # keep the scale while the values fit it well (no jitter in a drag)
            a, b = self.range
            if a <= lo and hi <= b and (hi - lo) >= 0.6 * (b - a):
                return
        pad = (hi - lo) * 0.08
        self.range = (lo - pad, hi + pad)
        self._transform()

    def place(self, rect: QRectF) -> None:
        """Put the cell at `rect` (scene pixels)."""
        if rect == self.rect:
            return
        self.rect = QRectF(rect)
        self.frame.setRect(QRectF(0, 0, rect.width(), rect.height()))
        self.frame.setPos(rect.topLeft())
        self._elide_title()
        self._transform()

    def plot_area(self) -> QRectF:
        w, h = self.rect.width(), self.rect.height()
        return QRectF(PLOT_LEFT, PLOT_TOP, max(w - PLOT_LEFT - 12, 10), max(h - PLOT_TOP - PLOT_BOTTOM, 10))

    def _transform(self) -> None:
        if self.range is None or self.rect.isEmpty():
            return
        area = self.plot_area()
        lo, hi = self.range
        sx = area.width() / 4.6
        sy = area.height() / (hi - lo)
        dx = area.left() + 0.3 * sx
        dy = area.bottom() + lo * sy
        t = QTransform(sx, 0, 0, -sy, dx, dy)
        for item in self.items:
            item.setTransform(t)
        self.axis.setRect(area)
        self.top.setText(fmt.kpi_value(hi))
        self.bottom.setText(fmt.kpi_value(lo))
        self.top.setPos(PLOT_LEFT - 4 - self.top.boundingRect().width(), area.top() - 5)
        self.bottom.setPos(PLOT_LEFT - 4 - self.bottom.boundingRect().width(), area.bottom() - 12)
        self.first.setPos(dx - self.first.boundingRect().width() / 2, area.bottom() + 2)
        self.last.setPos(dx + 4 * sx - self.last.boundingRect().width() / 2, area.bottom() + 2)

    def _elide_title(self) -> None:
        mark = "" if self.status in (None, "unset") else (" ✓" if self.status else " ✗")
        metrics = QFontMetricsF(_font('title'))
        width = max(self.rect.width() - 12, 20)
        self.title.setText(metrics.elidedText(self.title_text, Qt.TextElideMode.ElideRight, width - 14) + mark)
        self.title.setPos(6, 4)

    def set_status(self, met: bool, has_target: bool) -> None:
        status = met if has_target else None
        if status == self.status:
            return
        self.status = status
        color = charts.GREY if status is None else charts.GREEN if status else charts.RED
        self.scenario.setPen(charts.pen(color, 2.2))
        self.title.setBrush(QColor(color))
        self._elide_title()


class KpiCanvas(pg.GraphicsView):
    """One scene for every small chart (no PlotItem per KPI: a KPI costs a few light items)."""

    resized = Signal()

    def __init__(self, parent=None):
        super().__init__(parent, background="w")
        self.enableMouse(False)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.setRange(QRectF(0, 0, self.width(), self.height()), padding=0, lockAspect=False)
        self.resized.emit()


class KpiPanel(QWidget):
    kpiClicked = Signal(int)

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.cells: list[KpiCell] = []
        self.goals: list[tuple[str, str]] = []
        self.goal_items: list[QGraphicsSimpleTextItem] = []
        self.prev: np.ndarray | None = None
        self.off_target = np.zeros(0, dtype=bool)
        self._shown: list[int] | None = None
        self._width = 0

        self.only_off = QCheckBox("Only KPIs off target")
        self.only_off.setToolTip("Show only the KPIs that miss a target in some plan year under the scenario")
        self.only_off.toggled.connect(lambda _on: self.relayout())
        self.summary = QLabel()
        self.summary.setWordWrap(True)  # the window fits beside Excel (docs/ui.md)
        self.picker = access.name(QComboBox(), "KPI")
        self.picker.setMinimumContentsLength(30)
        self.picker.setToolTip("Choose a KPI to scroll to its chart; Details opens its drivers")
        self.picker.activated.connect(self.scroll_to)
        details = QPushButton("Details…")
        details.setToolTip("Open the chosen KPI: its drivers and how much each contributes")
        details.clicked.connect(lambda: self.picker.currentIndex() >= 0 and self.kpiClicked.emit(self.picker.currentIndex()))
        legend = QLabel("<span style='color:#8a8a8a'>- - baseline</span> &nbsp; "
                        "<span style='color:#1b7f3b'><b>—</b> scenario meets its targets</span> &nbsp; "
                        "<span style='color:#c0392b'><b>—</b> scenario off target</span> &nbsp; "
                        "<span style='background:#c5d6ea'>&nbsp;&nbsp;&nbsp;</span> low–high band &nbsp; "
                        "<span style='color:#b8860b'>▼</span> target")
        legend.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.only_off)
        top.addWidget(self.summary, 1)
        top.addWidget(self.picker)
        top.addWidget(details)
        self.canvas = access.chart(KpiCanvas(), "KPI charts", "One small chart per KPI; choose a KPI above "
                                   "and press Details for its figures")
        self.canvas.resized.connect(self._canvas_resized)
        self.canvas.scene().sigMouseClicked.connect(self._clicked)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self.canvas)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(legend)
        lay.addWidget(self.scroll, 1)
        session.datasetChanged.connect(self.set_prepared)
        session.resultsChanged.connect(self.set_results)

    # -- once per dataset -------------------------------------------------------------------------
    def set_prepared(self) -> None:
        P = self.session.prepared
        scene = self.canvas.scene()
        for cell in self.cells:
            scene.removeItem(cell.frame)
        for item in self.goal_items:
            scene.removeItem(item)
        self.cells, self.goal_items = [], []
        self.prev = None
        self.picker.clear()
        if P is None:
            return
        self.goals = kpi_goals(P)
        labels = list(P.year_labels)
        base = P.baseline_results().kpis
        for k, kid in enumerate(P.kpi_ids):
            unit = P.kpi_units[k]
            title = f"{kid} {P.kpi_names[k]}" + (f" ({unit})" if unit else "")
            cell = KpiCell(k, title, labels, scene)
            cell.set_static(base.baseline[k], base.target[k])
            self.cells.append(cell)
            self.picker.addItem(elide(title, 60))
        for goal in dict.fromkeys(self.goals):
            item = _text(None, _font('goal'), "#1f3b5a")
            item.setText(f"{goal[0]} {goal[1]}" if goal[0] else goal[1])
            scene.addItem(item)
            self.goal_items.append(item)
        self._goal_index = {g: i for i, g in enumerate(dict.fromkeys(self.goals))}
        self.off_target = np.zeros(len(self.cells), dtype=bool)
        self._shown = None
        self.set_results(P.baseline_results())
        self.relayout()

    def _canvas_resized(self) -> None:
        if self.canvas.width() != self._width:
            self.relayout(force=True)

    def relayout(self, force: bool = False) -> None:
        """Place the (existing) charts: a goal heading, then its KPIs, as many columns as fit."""
        shown = [c.k for c in self.cells if not self.only_off.isChecked() or self.off_target[c.k]]
        width = max(self.canvas.width(), MIN_CELL_WIDTH + 2 * MARGIN)
        if shown == self._shown and not force and width == self._width:
            return
        self._shown, self._width = shown, width
        columns = max(1, int((width - MARGIN) // (MIN_CELL_WIDTH + MARGIN)))
        cw = (width - MARGIN) / columns - MARGIN
        order = sorted(shown, key=lambda k: (self.goals[k][0].casefold(), k))
        visible = set(shown)
        for cell in self.cells:
            cell.frame.setVisible(cell.k in visible)
        for item in self.goal_items:
            item.setVisible(False)
        y = MARGIN
        col = 0
        goal = None
        for k in order:
            if self.goals[k] != goal:
                if col:
                    y += CELL_HEIGHT + MARGIN
                goal, col = self.goals[k], 0
                item = self.goal_items[self._goal_index[goal]]
                item.setVisible(True)
                item.setPos(MARGIN, y)
                y += GOAL_HEIGHT
            self.cells[k].place(QRectF(MARGIN + col * (cw + MARGIN), y, cw, CELL_HEIGHT))
            col += 1
            if col == columns:
                col = 0
                y += CELL_HEIGHT + MARGIN
        if col:
            y += CELL_HEIGHT + MARGIN
        self.canvas.setMinimumHeight(int(max(y, 200)))

    # -- every recalculation --------------------------------------------------------------------------
    def set_results(self, results) -> None:
        if not self.cells:
            return
        k = results.kpis
        stack = np.stack([k.scenario, k.low, k.high], axis=0)
        if self.prev is None or self.prev.shape != stack.shape:
            changed = np.ones(len(self.cells), dtype=bool)
        else:
            changed = ~np.all((stack == self.prev) | (np.isnan(stack) & np.isnan(self.prev)), axis=(0, 2))
        self.prev = stack
        for j in np.flatnonzero(changed):
            self.cells[j].set_values(k.scenario[j], k.low[j], k.high[j])
        has = k.has_target
        off = (has & ~k.met).any(axis=1)
        for j in np.flatnonzero(changed | (off != self.off_target)):
            self.cells[j].set_status(not off[j], bool(has[j].any()))
        n_off = int(off.sum())
        t = min(self.session.year, len(results.year_labels) - 1)
        self.summary.setText(f"{n_off} of {len(self.cells)} KPIs off target in some plan year"
                             f" · plan score {fmt.percent(k.score[t], 0)} in {results.year_labels[t]}")
        if not np.array_equal(off, self.off_target):
            self.off_target = off
            if self.only_off.isChecked():
                self.relayout()

    def scroll_to(self, k: int) -> None:
        """Bring KPI k's chart into view."""
        if 0 <= k < len(self.cells) and self.cells[k].frame.isVisible():
            r = self.cells[k].rect
            self.scroll.ensureVisible(int(r.center().x()), int(r.center().y()), 10, int(r.height() / 2 + 40))

    def curve_data(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) of KPI k's scenario curve, as drawn."""
        return self.cells[k].scenario.getData()

    def _clicked(self, event) -> None:
        pos = event.scenePos()
        for cell in self.cells:
            if cell.frame.isVisible() and cell.rect.contains(pos):
                self.picker.setCurrentIndex(cell.k)
                self.kpiClicked.emit(cell.k)
                return


class KpiDetail(QDialog):
    """One KPI: a large chart, its values per year, and its drivers with their contributions."""

    def __init__(self, session, k: int, parent=None):
        super().__init__(parent)
        self.session = session
        self.k = k
        self.setWindowTitle("KPI detail")
        self.resize(920, 640)
        P = session.prepared
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.plot_widget = access.chart(pg.PlotWidget(), "KPI by year", "Baseline, scenario, low-high band and "
                                        "targets; the same figures are in the table below")
        plot = self.plot_widget.getPlotItem()
        charts.static_plot(plot)
        charts.set_year_ticks(plot, P.year_labels, short=False)
        plot.addLegend(offset=(10, 10))
        self.low = pg.PlotCurveItem(pen=pg.mkPen(None))
        self.high = pg.PlotCurveItem(pen=pg.mkPen(None))
        band = pg.FillBetweenItem(self.low, self.high, brush=charts.brush(charts.BAND))
        self.baseline = pg.PlotCurveItem(pen=charts.pen(charts.GREY, 2, Qt.PenStyle.DashLine), name="baseline")
        self.scenario = pg.PlotCurveItem(pen=charts.pen(charts.BLUE, 3), name="scenario")
        self.target = pg.ScatterPlotItem(symbol="t1", size=12, pen=pg.mkPen("#222"), brush=pg.mkBrush("#ffd54f"),
                                         name="target")
        for item in (band, self.low, self.high, self.baseline, self.scenario, self.target):
            plot.addItem(item)
        labels = list(P.year_labels)
        self.values = TableModel(["Measure"] + labels, None, [False] + [True] * 5)
        self.values_view = access.name(QTableView(), "KPI values by year")
        self.values_view.setModel(self.values)
        self.values_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.values_view.verticalHeader().hide()
        pct = lambda v: fmt.percent(v, 2, signed=True)  # noqa: E731
        self.drivers = TableModel(["Department", "Program", "Spending change"] + [f"Effect {charts.short_year(y)}" for y in labels]
                                  + ["Contribution"],
                                  [None, None, pct] + [pct] * 5 + [fmt.kpi_value], [False, False] + [True] * 7)
        self.drivers_view = access.name(QTableView(), "Drivers of the KPI")
        self.drivers_view.setModel(self.drivers)
        self.drivers_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.drivers_view.horizontalHeader().setStretchLastSection(True)
        self.drivers_view.verticalHeader().hide()
        table_copy.install(self.values_view, "kpi-values")
        table_copy.install(self.drivers_view, "kpi-drivers")
        self.drivers_view.setToolTip("Each driver links spending to this KPI: spending change x is the scenario's "
                                     "spending against the baseline (lagged); effect e = elasticity × x (capped); "
                                     "KPI = baseline path × (1 + Σ e).  Contribution = baseline × e in the selected year.")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.plot_widget)
        split.addWidget(self.values_view)
        split.addWidget(self.drivers_view)
        self.values_view.verticalHeader().setDefaultSectionSize(22)
        self.drivers_view.verticalHeader().setDefaultSectionSize(22)
        split.setSizes([280, 175, 160])
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        lay = QVBoxLayout(self)
        lay.addWidget(self.heading)
        lay.addWidget(split, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(close)
        lay.addLayout(row)
        session.resultsChanged.connect(self.update_results)
        session.yearChanged.connect(lambda _y: self.update_results(self.session.results))
        self.set_kpi(k)

    def set_kpi(self, k: int) -> None:
        self.k = k
        self.update_results(self.session.results)

    def update_results(self, results) -> None:
        if results is None or self.session.prepared is None or self.k >= len(results.kpis.ids):
            return
        P = self.session.prepared
        k, r = self.k, results.kpis
        unit = r.units[k]
        direction = "higher is better" if r.direction[k] > 0 else "lower is better"
        goal = kpi_goals(P)[k]
        met_years = [results.year_labels[t] for t in range(5) if r.has_target[k, t] and not r.met[k, t]]
        status = ("<span style='color:#c0392b'>off target in " + ", ".join(met_years) + "</span>") if met_years else \
            ("<span style='color:#1b7f3b'>meets every target</span>" if r.has_target[k].any() else "no targets")
        self.setWindowTitle(f"KPI {r.ids[k]} — {r.names[k]}")
        self.heading.setText(f"<h3>{r.ids[k]} {r.names[k]}</h3>Goal {goal[0]} {goal[1]} · unit {unit or '–'} · "
                             f"{direction} · weight {r.weight[k]:g} · {status}")
        self.baseline.setData(X, r.baseline[k], connect="finite")
        self.scenario.setData(X, r.scenario[k], connect="finite")
        self.low.setData(X, r.low[k], connect="finite")
        self.high.setData(X, r.high[k], connect="finite")
        ok = ~np.isnan(r.target[k])
        self.target.setData(X[ok], r.target[k][ok])
        met = [("met" if m else "missed") if h else fmt.DASH for m, h in zip(r.met[k], r.has_target[k])]
        rows = [(name, *[fmt.kpi_value(v) for v in arr]) for name, arr in
                (("Baseline", r.baseline[k]), ("Scenario", r.scenario[k]), ("Low", r.low[k]), ("High", r.high[k]),
                 ("Target", r.target[k]))]
        rows.append(("Scenario meets target", *met))
        self.values.set_rows(rows)
        d = r.drivers
        t = self.session.year
        idx = np.flatnonzero(np.asarray(d.kpi_index) == k)
        rows, tips = [], []
        for j in idx:
            contribution = float(r.baseline[k, t] * d.effect[j, t])
            rows.append((d.departments[j], d.programs[j] or "(whole department)", float(d.x[j, t]),
                         *[float(v) for v in d.effect[j]], contribution))
            tips.append(f"low {fmt.percent(d.effect_low[j, t], 2, True)}, high {fmt.percent(d.effect_high[j, t], 2, True)} "
                        f"in {results.year_labels[t]}")
        if len(idx):
            total = d.effect[idx].sum(axis=0)
            rows.append(("Total", "", float("nan"), *[float(v) for v in total], float(r.baseline[k, t] * total[t])))
            tips.append("K = baseline × (1 + Σ e), then clamped to the KPI's minimum and maximum")
        self.drivers.set_rows(rows, tooltips=tips)
