"""Line items: every line with its keys and baseline and scenario amounts per plan year.

The model sorts by an `np.argsort` permutation and filters by a numpy mask (no proxy model);
the scenario amounts are materialised only while this panel is shown.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QAbstractItemView, QHBoxLayout, QLabel, QLineEdit, QTableView, QVBoxLayout, QWidget

from ..common import access
from .models import LineItemsModel


class LineItemsPanel(QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.model = LineItemsModel(self)
        self.model.active = False
        self.filter = access.name(QLineEdit(), "Filter line items")
        self.filter.setPlaceholderText("Filter by fund, department, program, account or class (Ctrl+F)")
        self.filter.setClearButtonEnabled(True)
        self.filter.setToolTip("Shows the line items whose fund, department, program, account or account class "
                               "contains this text")
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(150)
        self._debounce.timeout.connect(self.apply_filter)
        self.filter.textChanged.connect(lambda _t: self._debounce.start())
        self.filter.returnPressed.connect(self.apply_filter)
        self.count = QLabel()
        top = QHBoxLayout()
        top.addWidget(self.filter, 1)
        top.addWidget(self.count)
        self.view = access.name(QTableView(), "Line items")
        self.view.setModel(self.model)
        self.view.setSortingEnabled(True)
        self.view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setDefaultSectionSize(22)
        self.view.verticalHeader().setSectionResizeMode(self.view.verticalHeader().ResizeMode.Fixed)
        self.view.setWordWrap(False)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.view, 1)
        session.datasetChanged.connect(self._dataset_changed)
        session.resultsChanged.connect(self.model.set_results)
        self.model.layoutChanged.connect(self._update_count)
        self.model.modelReset.connect(self._update_count)

    def _dataset_changed(self) -> None:
        self.filter.blockSignals(True)
        self.filter.clear()
        self.filter.blockSignals(False)
        self.model.set_prepared(self.session.prepared)
        self.view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        for c, w in enumerate([170, 170, 190, 210, 150, 75] + [118] * 10):
            self.view.setColumnWidth(c, w)

    def apply_filter(self) -> None:
        self._debounce.stop()
        self.model.set_filter(self.filter.text())

    def _update_count(self) -> None:
        n = len(self.model.base)
        shown = self.model.rowCount()
        self.count.setText(f"{shown:,} of {n:,} line items" if shown != n else f"{n:,} line items")

    def showEvent(self, event) -> None:  # noqa: N802
        self.model.set_active(True)
        super().showEvent(event)

    def hideEvent(self, event) -> None:  # noqa: N802
        self.model.set_active(False)
        super().hideEvent(event)
