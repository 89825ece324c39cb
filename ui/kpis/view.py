"""KPI panel: small multiples, one chart per KPI, grouped by goal, or the same figures as a table.

The charts are the light items of `cell.py`, created once per dataset in one scene.  Like the other
tabs the panel draws only while it is shown: a recalculation while it is hidden keeps the results,
drawn once when the tab is shown again.  Shown, a recalculation gives new paths to the charts whose
values changed (a program's slider changes the few KPIs it drives).  Clicking a chart (or choosing a
KPI and pressing Details) opens its detail: drivers and how much each contributes.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QGraphicsSimpleTextItem, QHBoxLayout, QLabel, QPushButton,
                               QScrollArea, QStackedWidget, QVBoxLayout, QWidget)

from ..common import access, fmt, meaning
from ..common.deferred import UpdatesWhenShown
from .cell import CELL_HEIGHT, MARGIN, KpiCell, largest_changes, text_item, value_spans
from .detail import KpiDetail  # noqa: F401 - the window imports it from here
from .goals import kpi_goals  # noqa: F401 - idem
from .table import KpiTable

GOAL_HEIGHT = 30
MIN_CELL_WIDTH = 250


def elide(text: str, n: int = 38) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


LEGEND = (f"<span style='color:#8a8a8a'>······ baseline</span> &nbsp; "
          f"<span style='color:{meaning.BETTER_HEX}'><b>—</b> scenario better than the baseline</span> &nbsp; "
          f"<span style='color:{meaning.WORSE_HEX}'><b>—</b> worse</span> "
          f"(▲▼ and the words above each chart say which, where the change is largest) &nbsp; "
          "<span style='background:#c5d6ea'>&nbsp;&nbsp;&nbsp;</span> low–high band &nbsp; ○ target &nbsp; "
          "✓ meets every target, ✗ misses one")


class KpiCanvas(pg.GraphicsView):
    """One scene for every small chart (no PlotItem per KPI: a KPI costs a few light items)."""

    resized = Signal()

    def __init__(self, parent=None):
        super().__init__(parent, background="w")
        self.enableMouse(False)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setAccessibleName("KPI charts")

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.setRange(QRectF(0, 0, self.width(), self.height()), padding=0, lockAspect=False)
        self.resized.emit()


class KpiPanel(UpdatesWhenShown, QWidget):
    kpiClicked = Signal(int)

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.cells: list[KpiCell] = []
        self.goals: list[tuple[str, str]] = []
        self.goal_items: list[QGraphicsSimpleTextItem] = []
        self.prev: np.ndarray | None = None
        self.off_target = np.zeros(0, dtype=bool)
        self.results = None
        self._table_stale = True
        self._shown: list[int] | None = None
        self._width = 0

        self.only_off = QCheckBox("Only KPIs off target")
        self.only_off.setToolTip("Show only the KPIs that miss a target in some plan year under the scenario")
        self.only_off.toggled.connect(self._filter_changed)
        self.summary = QLabel()
        self.summary.setWordWrap(True)  # the window fits beside Excel (docs/ui.md)
        self.picker = access.name(QComboBox(), "KPI")
        self.picker.setMinimumContentsLength(30)
        self.picker.setToolTip("Choose a KPI to scroll to its chart; Details opens its drivers")
        self.picker.setAccessibleName("KPI")
        self.picker.activated.connect(self.scroll_to)
        details = QPushButton("Details…")
        details.setToolTip("Open the chosen KPI: its drivers and how much each contributes")
        details.clicked.connect(lambda: self.picker.currentIndex() >= 0 and self.kpiClicked.emit(self.picker.currentIndex()))
        self.as_table = QPushButton("Table")
        self.as_table.setCheckable(True)
        self.as_table.setToolTip("Show the same figures as a table (one row per KPI) instead of charts")
        self.as_table.toggled.connect(self._view_toggled)
        self.legend = QLabel(LEGEND)
        self.legend.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.only_off)
        top.addWidget(self.summary, 1)
        top.addWidget(self.as_table)
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
        self.table = KpiTable()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.scroll)
        self.stack.addWidget(self.table)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.legend)
        lay.addWidget(self.stack, 1)
        session.datasetChanged.connect(self.set_prepared)
        session.resultsChanged.connect(self.set_results)
        session.yearChanged.connect(lambda _y: self.set_results(self.session.results))

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
        self.results = None
        self._pending = None
        self.picker.clear()
        if P is None:
            return
        self.goals = kpi_goals(P)
        labels = list(P.year_labels)
        base = P.baseline_results().kpis
        for k, kid in enumerate(P.kpi_ids):
            unit = P.kpi_units[k]
            title = f"{kid} {P.kpi_names[k]}" + (f" ({unit})" if unit else "")
            cell = KpiCell(k, title, unit, bool(base.direction[k] < 0), labels, scene)
            cell.set_static(base.baseline[k], base.target[k])
            cell.before_read = self.flush
            self.cells.append(cell)
            self.picker.addItem(elide(title, 60))
        for goal in dict.fromkeys(self.goals):
            item = text_item(None, "goal", "#1f3b5a")
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

    def _filter_changed(self, _on=None) -> None:
        self.flush()  # which KPIs are off target: the latest results
        self.relayout()
        self._table_stale = True
        self._fill_table()

    def shown_kpis(self) -> list[int]:
        return [c.k for c in self.cells if not self.only_off.isChecked() or self.off_target[c.k]]

    def relayout(self, force: bool = False) -> None:
        """Place the (existing) charts: a goal heading, then its KPIs, as many columns as fit."""
        shown = self.shown_kpis()
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

    # -- every recalculation (while shown; UpdatesWhenShown keeps it for later otherwise) -----------
    def _update(self, results) -> None:
        self.results = results
        if not self.cells:
            return
        k = results.kpis
        t = min(self.session.year, len(results.year_labels) - 1)
        stack = np.stack([k.scenario, k.low, k.high], axis=0)
        if self.prev is None or self.prev.shape != stack.shape:
            changed = np.ones(len(self.cells), dtype=bool)
        else:
            changed = ~np.all((stack == self.prev) | (np.isnan(stack) & np.isnan(self.prev)), axis=(0, 2))
        self.prev = stack
        rows = np.flatnonzero(changed)
        if rows.size:  # the charts' value spans and largest changes in one vectorised pass
            lo, hi = value_spans(k.baseline[rows], k.target[rows], k.scenario[rows], k.low[rows], k.high[rows])
            years, biggest = largest_changes(k.scenario[rows], k.baseline[rows])
            for i, j in enumerate(rows.tolist()):
                cell = self.cells[j]
                cell.set_values(k.scenario[j], k.low[j], k.high[j], (float(lo[i]), float(hi[i])))
                cell.set_sense((int(years[i]), float(biggest[i])))
        has = k.has_target
        off = (has & ~k.met).any(axis=1)
        for j in np.flatnonzero(changed | (off != self.off_target)):
            self.cells[j].set_status(not off[j], bool(has[j].any()))
        n_off = int(off.sum())
        self.summary.setText(f"{n_off} of {len(self.cells)} KPIs off target in some plan year"
                             f" · plan score {fmt.percent(k.score[t], 0)} in {results.year_labels[t]}")
        if not np.array_equal(off, self.off_target):
            self.off_target = off
            if self.only_off.isChecked():
                self.relayout()
        self._table_stale = True
        self._fill_table()

    def _view_toggled(self, table: bool) -> None:
        self.stack.setCurrentWidget(self.table if table else self.scroll)
        self._fill_table()

    def _fill_table(self) -> None:
        """The table is filled only while it is the view shown (and then once per change)."""
        if self._table_stale and self.as_table.isChecked() and self.results is not None and self.cells:
            self._table_stale = False
            t = min(self.session.year, len(self.results.year_labels) - 1)
            self.table.fill(self.results, t, self.shown_kpis())

    def flush(self) -> None:
        """Draw results kept while hidden now (what showing the tab would do)."""
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self._update(pending)

    def chart_updates(self) -> int:
        """How many chart data updates were drawn so far (tests and benchmarks)."""
        return sum(c.updates for c in self.cells)

    def scroll_to(self, k: int) -> None:
        """Bring KPI k's chart into view."""
        if 0 <= k < len(self.cells) and self.cells[k].frame.isVisible():
            r = self.cells[k].rect
            self.scroll.ensureVisible(int(r.center().x()), int(r.center().y()), 10, int(r.height() / 2 + 40))

    def curve_data(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) of KPI k's scenario line, as drawn (results kept while hidden are drawn first)."""
        self.flush()
        return self.cells[k].scenario_data()

    def _clicked(self, event) -> None:
        pos = event.scenePos()
        for cell in self.cells:
            if cell.frame.isVisible() and cell.rect.contains(pos):
                self.picker.setCurrentIndex(cell.k)
                self.kpiClicked.emit(cell.k)
                return
