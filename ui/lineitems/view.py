"""Line items: every line with its keys and baseline and scenario amounts per plan year.

The model sorts by an `np.argsort` permutation and filters by a numpy mask (no proxy model);
the scenario amounts are materialised only while this panel is shown.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QAbstractItemView, QHBoxLayout, QLabel, QLineEdit, QTableView, QVBoxLayout, QWidget

from ..common import access, table_copy
from ..common.frozen import freeze
from ..common.table_size import fit_columns
from .models import LineItemsModel

#: The key columns in the order shown: the department and program first (narrow), then the
#: selected year's figures, then the other keys (model columns: Fund 0, Department 1, Program 2,
#: Account 3, Account class 4, Recurring 5).
LEAD_KEYS = (1, 2)
TRAIL_KEYS = (3, 4, 0, 5)


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
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.horizontalHeader().setSectionsMovable(True)
        table_copy.install(self.view, "line-items")
        self.frozen = freeze(self.view, len(LEAD_KEYS))  # Department and Program stay while the years scroll
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.view, 1)
        session.datasetChanged.connect(self._dataset_changed)
        session.resultsChanged.connect(self.model.set_results)
        session.yearChanged.connect(self._year_changed)
        self.model.layoutChanged.connect(self._update_count)
        self.model.modelReset.connect(self._update_count)

    def _dataset_changed(self) -> None:
        self.filter.blockSignals(True)
        self.filter.clear()
        self.filter.blockSignals(False)
        self.model.set_prepared(self.session.prepared)
        self.model.year = self.session.year
        self.view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        fit_columns(self.view, limits={c: (60, 170 if c in LEAD_KEYS else 200) for c in range(len(self.model.KEYS))})
        self.arrange()

    def _year_changed(self, year: int) -> None:
        self.model.set_year(year)
        self.arrange()

    def column_order(self) -> list[int]:
        """Model columns in the order shown: Department, Program, the selected year's Baseline,
        Scenario and Change, the other keys, then every year's Baseline and Scenario."""
        m, y = self.model, self.model.year
        lead = [m.amount_column(y, False), m.amount_column(y, True), m.CHANGE]
        years = [m.amount_column(t, s) for t in range(5) for s in (False, True)]
        return list(LEAD_KEYS) + lead + list(TRAIL_KEYS) + [c for c in years if c not in lead]

    def arrange(self) -> None:
        """Move the sections into `column_order` (a view order: the model's columns stay put)."""
        h = self.view.horizontalHeader()
        for visual, logical in enumerate(self.column_order()):
            if h.visualIndex(logical) != visual:
                h.moveSection(h.visualIndex(logical), visual)

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
