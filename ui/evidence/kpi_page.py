"""The Evidence tab's "By KPI" page: one KPI's history chart, its drivers' figures, the chosen driver's
scatter with the fitted line and interval, the sentence in words and the flags (an icon and words),
and the buttons that put the estimate into the current scenario (choices.py: one undo step each).

`KpiEvidencePage(session)`; the panel calls `set_evidence(ev, labels)` with new evidence and
`show_kpi(kpi_id)` when the KPI picker changes; the page follows the scenario (undo, a scenario
switch) by itself.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPushButton, QSplitter, QStyle,
                               QTableView, QVBoxLayout, QWidget)

from kcplanner.evidence import driver_sentence

from ..common import access, table_copy
from . import choices
from .charts import FitChart, HistoryChart
from .models import FLAG_WORDS, driver_model, driver_rows


class KpiEvidencePage(QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.ev = None
        self.labels: dict[int, str] = {}
        self.kpi_id: str | None = None
        self.driver_labels: list = []
        self._scenario_stale = False
        self.history = HistoryChart()
        self.history.setMinimumSize(320, 220)
        self.fit = FitChart()
        self.fit.setMinimumSize(320, 220)
        self.model = driver_model(self)
        self.table = access.name(QTableView(), "Drivers of the KPI")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        table_copy.install(self.table, "kpi-drivers")
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._driver_changed())
        # as tall as its rows (a KPI has a few drivers): the rest of the window goes to the charts
        rows = self.table.verticalHeader().defaultSectionSize()
        self._row_height = rows
        self.sentence = QLabel()
        self.sentence.setWordWrap(True)
        self.sentence.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sentence.setStyleSheet("font-size: 13px; padding: 4px;")
        self.flags = QLabel()
        self.flags.setWordWrap(True)
        self.flag_icon = QLabel()
        self.warn_icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        self.ok_icon = self.style().standardIcon(QStyle.StandardPixmap.SP_DialogApplyButton)
        self.flag_icon.setPixmap(self.warn_icon.pixmap(18, 18))

        self.use = QPushButton("Use the estimate")
        self.use.setToolTip("Set this driver's Elasticity, low and high in the current scenario from the estimate "
                            "(one undo step; the plan workbook is not changed)")
        self.use.clicked.connect(self.use_estimate)
        self.use_goal = QPushButton("Use estimates for all drivers of this goal")
        self.use_goal.setToolTip("Every estimated driver of every KPI of this KPI's goal: one undo step")
        self.use_goal.clicked.connect(self.use_goal_estimates)
        self.back = QPushButton("Back to entered value")
        self.back.setToolTip("This driver's Elasticity, low and high from the Drivers sheet again (one undo step)")
        self.back.clicked.connect(self.back_to_entered)

        flag_row = QHBoxLayout()
        flag_row.addWidget(self.flag_icon, 0, Qt.AlignmentFlag.AlignTop)
        flag_row.addWidget(self.flags, 1)
        buttons = QHBoxLayout()
        for b in (self.use, self.use_goal, self.back):
            buttons.addWidget(b)
        buttons.addStretch(1)
        below = QWidget()
        bl = QVBoxLayout(below)
        bl.setContentsMargins(0, 0, 0, 0)
        bl.addWidget(self.table)
        bl.addWidget(self.sentence)
        bl.addLayout(flag_row)
        bl.addLayout(buttons)
        charts = QSplitter(Qt.Orientation.Horizontal)
        charts.addWidget(self.history)
        charts.addWidget(self.fit)
        charts.setSizes([600, 500])
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(charts)
        split.addWidget(below)
        split.setSizes([500, 200])
        split.setStretchFactor(0, 1)  # a taller window gives the charts the room
        split.setStretchFactor(1, 0)
        split.setChildrenCollapsible(False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(split)
        for signal in (session.scenarioChanged, session.scenariosChanged):
            signal.connect(self.follow_scenario)

    # -- what is shown ----------------------------------------------------------------------------------
    def set_evidence(self, ev, labels: dict[int, str]) -> None:
        self.ev, self.labels = ev, labels
        if self.kpi_id is not None:
            self.show_kpi(self.kpi_id)

    def _label(self, year) -> str:
        return self.labels.get(int(year), f"FY{int(year)}")

    def show_kpi(self, kpi_id: str | None) -> None:
        self.kpi_id = kpi_id
        ev = self.ev
        if ev is None or kpi_id is None or kpi_id not in ev.kpis.index:
            self.model.set_rows([])
            self.history.clear()
            self.fit.clear()
            self._update_buttons()
            return
        self._fill_drivers()
        if self.model.rowCount():
            self.table.selectRow(0)
        self._draw_history()
        self._driver_changed()

    def _fill_drivers(self) -> None:
        rows, self.driver_labels, flags = driver_rows(self.ev, self.kpi_id, self.session.scenario)
        icons = [self.warn_icon if f else None for f in flags]
        current = self.table.currentIndex().row()
        self.model.set_rows(rows, decorations=icons)
        head = self.table.horizontalHeader().sizeHint().height()
        shown = min(max(len(rows), 2), 8)
        self.table.setFixedHeight(head + shown * self._row_height + 2 * self.table.frameWidth()
                                  + (self.table.horizontalScrollBar().sizeHint().height() if len(rows) > 8 else 0))
        if self.model.rowCount() and current < 0:
            self.table.selectRow(0)
        self.table.resizeColumnsToContents()

    def _draw_history(self) -> None:
        ev, k = self.ev, self.kpi_id
        K = ev.kpi_history
        years = list(K.columns)
        rows = [self.ev.spending_history.loc[i].reindex(years).to_numpy(dtype=float)
                if i in self.ev.spending_history.index else [float("nan")] * len(years) for i in self.driver_labels]
        names = [str(self.ev.drivers.loc[i, "spending"]) for i in self.driver_labels]
        name = self.ev.kpis.loc[k, "name"] or k
        self.history.set_history(years, [self._label(y) for y in years], f"{k}", K.loc[k].to_numpy(dtype=float),
                                 names, rows, f"<b>{escape(str(k))} {escape(str(name))}</b> and its drivers' spending")

    def current_driver(self):
        """The Evidence.drivers row of the chosen driver (None when there is none)."""
        r = self.table.currentIndex().row()
        if self.ev is None or not 0 <= r < len(self.driver_labels):
            return None
        return self.ev.drivers.loc[self.driver_labels[r]]

    def _driver_changed(self) -> None:
        row = self.current_driver()
        if row is None:
            self.fit.clear("No driver links spending to this KPI: add one on the Drivers sheet")
            self.sentence.setText("")
            self.flags.setText("")
            self.flag_icon.clear()
            self._update_buttons()
            return
        i = self.driver_labels[self.table.currentIndex().row()]
        pts = self.ev.points(i)
        multi = len(self.driver_labels) > 1 and row["status"] == "estimated"
        if multi and "y_partial" in pts.columns:
            pts = pts.assign(y=pts["y_partial"])
        lag = int(row["lag"])
        title = (f"<b>{escape(str(row['spending']))}</b> spending change "
                 f"{'(lag ' + str(lag) + ' year' + ('s' if lag != 1 else '') + ') ' if lag else ''}"
                 f"against the KPI's change" + (" (other drivers' part removed)" if multi else ""))
        est = row["estimate"] if row["status"] == "estimated" else float("nan")
        self.fit.set_fit(pts, float(row.get("intercept", 0.0) or 0.0), float(est), float(row["low"]),
                         float(row["high"]), title)
        self.sentence.setText(escape(driver_sentence(row)))
        flags = list(row["flags"] or [])
        if flags:
            self.flag_icon.setPixmap(self.warn_icon.pixmap(18, 18))
            self.flags.setText("<b>Flags:</b> " + "; ".join(escape(FLAG_WORDS.get(f, f)) for f in flags))
        else:
            self.flag_icon.setPixmap(self.ok_icon.pixmap(18, 18))
            self.flags.setText("No flags: the 80% interval excludes 0 (the history shows an effect) and holds the "
                               "entered elasticity.")
        self._update_buttons()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._scenario_stale:
            self.follow_scenario()

    def follow_scenario(self) -> None:
        """Undo, redo or a scenario switch: the In effect column and the buttons (no new estimate).
        Hidden, it only notes it (a slider drag elsewhere costs this page nothing)."""
        self._scenario_stale = not self.isVisible()
        if self._scenario_stale:
            return
        if self.ev is not None and self.kpi_id is not None:
            row = self.table.currentIndex().row()
            self._fill_drivers()
            if 0 <= row < self.model.rowCount():
                self.table.selectRow(row)
        self._update_buttons()

    def _update_buttons(self) -> None:
        row = self.current_driver()
        loaded = self.session.loaded and row is not None
        o = choices.override_for(row) if loaded else None
        now = choices.in_effect(self.session.scenario, row) if loaded else None
        self.use.setEnabled(o is not None and now != o)
        self.use.setToolTip("Not enough history for an estimate" if loaded and o is None else
                            "Set this driver's Elasticity, low and high in the current scenario from the estimate "
                            "(one undo step; the plan workbook is not changed)")
        self.back.setEnabled(now is not None)
        goal = row["goal_id"] if row is not None else None
        rows = choices.goal_rows(self.ev.drivers, goal) if loaded else None
        self.use_goal.setEnabled(rows is not None and any(choices.usable(r) for _i, r in rows.iterrows()))
        self.use_goal.setToolTip(f"Every estimated driver of every KPI of goal {goal}: one undo step"
                                 if loaded and goal is not None else "This KPI has no goal")

    # -- edits (one undo step each) ------------------------------------------------------------------
    def use_estimate(self) -> None:
        row = self.current_driver()
        if row is not None:
            choices.use_estimates(self.session, [row], f"Use the estimate for {row['kpi']} ← {row['spending']}")

    def use_goal_estimates(self) -> int:
        row = self.current_driver()
        if row is None:
            return 0
        rows = [r for _i, r in choices.goal_rows(self.ev.drivers, row["goal_id"]).iterrows()]
        return choices.use_estimates(self.session, rows, f"Use estimates for all drivers of goal {row['goal_id']}")

    def back_to_entered(self) -> None:
        row = self.current_driver()
        if row is not None:
            choices.back_to_entered(self.session, [row], f"Back to the entered elasticity for {row['kpi']} ← "
                                                         f"{row['spending']}")

