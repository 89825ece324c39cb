"""The Evidence tab's "KPI review" page: every KPI with SPEC's figures, its recommendation and the
reasons in words; sortable, filterable (a text box, a recommendation), Ctrl+C copies the selected
rows as tab-separated raw numbers with headers, and "Export KPI review…" writes the workbook
(kcplanner.evidence.workbook.write_kpi_review_workbook) on the thread pool.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import QThreadPool, Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QFileDialog, QHBoxLayout, QHeaderView, QLabel,
                               QLineEdit, QMessageBox, QPushButton, QTableView, QVBoxLayout, QWidget)

from ..common import access
from ..common import settings as st
from ..common import table_copy
from ..common.workers import JobTask
from .models import MERGE, ReviewFilter, recommendation_kind, review_model, review_rows

RECOMMENDATIONS = ("improve data", "add a driver", "no evidence that spending moves it", "review target", MERGE,
                   "keep")


def write_review(ev, path: str) -> str:
    """Write the KPI-review workbook (the evidence helper's writer; atomic)."""
    from kcplanner.evidence.workbook import write_kpi_review_workbook

    write_kpi_review_workbook(ev, path)
    return path


class KpiReviewPage(QWidget):
    """`set_evidence(ev)`; `kpiActivated(kpi_id)` on a double-click (the panel shows that KPI)."""

    kpiActivated = Signal(str)
    exported = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.ev = None
        self.task: JobTask | None = None
        self.model = review_model(self)
        self.proxy = ReviewFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = access.name(QTableView(), "KPI review")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)  # one line a KPI; the chosen KPI's reasons are read in full below
        self.table.verticalHeader().hide()
        h = self.table.horizontalHeader()
        h.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        h.setStretchLastSection(True)
        self.table.doubleClicked.connect(self._activated)
        table_copy.install(self.table, "kpi-review")  # Ctrl+C, the right-click menu (ui/common/table_copy.py)
        self.filter = access.name(QLineEdit(), "Filter the KPI review")
        self.filter.setPlaceholderText("Filter by KPI, goal or reason…")
        self.filter.setClearButtonEnabled(True)
        self.filter.setMaximumWidth(280)
        self.recommendation = access.name(QComboBox(), "Recommendation")
        self.recommendation.addItem("Every recommendation", None)
        for r in RECOMMENDATIONS:
            self.recommendation.addItem(r[0].upper() + r[1:], r)
        self.recommendation.setToolTip("Show the KPIs with one recommendation")
        self.count = QLabel()
        self.count.setWordWrap(True)
        self.reasons = QLabel()  # the current KPI's recommendation and reasons, in full
        self.reasons.setWordWrap(True)
        self.reasons.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reasons.setStyleSheet("padding: 4px; font-size: 13px;")
        self.reasons.setMinimumHeight(44)
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the selected rows (or all shown) as tab-separated numbers with headers (Ctrl+C)")
        self.copy_button.clicked.connect(self.copy)
        self.export_button = QPushButton("Export KPI review…")
        self.export_button.setToolTip("Write the KPI review as a workbook (every KPI, every driver, how to read it) "
                                      "for the meeting of OMB and the performance office")
        self.export_button.clicked.connect(lambda: self.export())
        self.filter.setMinimumWidth(180)
        bar = QHBoxLayout()
        bar.addWidget(self.filter)
        bar.addWidget(self.recommendation)
        bar.addStretch(1)
        bar.addWidget(self.copy_button)
        bar.addWidget(self.export_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(bar)
        lay.addWidget(self.count)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.reasons)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_reasons())
        self.filter.textChanged.connect(self._filters_changed)
        self.recommendation.currentIndexChanged.connect(self._filters_changed)

    def set_evidence(self, ev) -> None:
        self.ev = ev
        self.model.set_rows(review_rows(ev) if ev is not None else [])
        self.table.resizeColumnsToContents()
        for c, w in ((1, 240), (3, 60), (4, 100), (5, 80), (6, 85), (7, 90), (8, 110), (9, 230)):
            self.table.setColumnWidth(c, min(self.table.columnWidth(c), w))
        self._filters_changed()
        self._show_reasons()

    def _show_reasons(self) -> None:
        index = self.table.currentIndex()
        if not index.isValid():
            self.reasons.setText("Choose a KPI to read why it gets its recommendation; double-click to see its drivers.")
            return
        row = self.model.rows[self.proxy.mapToSource(index).row()]
        self.reasons.setText(f"<b>{escape(row[0])} {escape(row[1])}: {escape(row[9])}</b> — {escape(row[10])}")

    def _filters_changed(self, *_args) -> None:
        self.proxy.set_filters(self.filter.text(), self.recommendation.currentData())
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        kinds = [recommendation_kind(r[9]) for r in self.model.rows]
        counts = ", ".join(f"{kinds.count(k)} {k}" for k in RECOMMENDATIONS if kinds.count(k))
        self.count.setText(f"{shown} of {total} KPIs" + (f" — {counts}" if counts else ""))

    def _activated(self, index) -> None:
        self.kpiActivated.emit(self.model.rows[self.proxy.mapToSource(index).row()][0])

    def selected_rows(self) -> list[int]:
        """Source rows of the selection in the order shown (all shown rows when none is selected)."""
        picked = self.table.selectionModel().selectedRows()
        if not picked:
            picked = [self.proxy.index(r, 0) for r in range(self.proxy.rowCount())]
        return [self.proxy.mapToSource(i).row() for i in sorted(picked, key=lambda i: i.row())]

    def copy(self) -> str:
        """The selected rows (all shown when none) as raw numbers with headers, as Ctrl+C copies them."""
        return table_copy.copy_rows(self.table)

    # -- the workbook -----------------------------------------------------------------------------------
    def export(self, path: str | None = None) -> JobTask | None:
        """Ask where (unless given), then write the workbook on the thread pool."""
        if self.ev is None or self.task is not None:
            return None
        if not path:
            folder = st.get_str(st.KEY_LAST_DIR, "")
            path, _ = QFileDialog.getSaveFileName(self, "Export the KPI review", str(Path(folder) / "kpi-review.xlsx"),
                                                  "Workbooks (*.xlsx)")
        if not path:
            return None
        if not path.lower().endswith(".xlsx"):
            path += ".xlsx"
        ev = self.ev
        task = self.task = JobTask(lambda _progress, _cancelled: write_review(ev, path))
        task.signals.finished.connect(self._exported)
        task.signals.failed.connect(self._failed)
        self.export_button.setEnabled(False)
        self.export_button.setText("Exporting…")
        QThreadPool.globalInstance().start(task)
        return task

    def _done(self) -> None:
        self.task = None
        self.export_button.setEnabled(True)
        self.export_button.setText("Export KPI review…")

    def _exported(self, path: str) -> None:
        self._done()
        self.exported.emit(path)

    def _failed(self, exc) -> None:
        self._done()
        QMessageBox.warning(self, "Export KPI review", f"The KPI review was not written: {exc}")
