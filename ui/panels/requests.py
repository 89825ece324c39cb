"""Requests: the departments' decision packages; a check box funds or drops one (an undo step).

A funded request adds its yearly costs as its own line (a Reduction subtracts them); the engine
does the arithmetic (`Results.requests`), this panel only edits `Scenario.funded_requests`.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from .. import charts, fmt
from ..models import LEFT, RIGHT, SORT_ROLE

TEXT_COLUMNS = ["request_id", "department", "program", "fund", "title", "type", "kpi_id", "rank"]
HEADERS = ["Funded", "Request", "Department", "Program", "Fund", "Title", "Type", "KPI", "Rank"]


def _text(v) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


class RequestsModel(QAbstractTableModel):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.rows: list[list[str]] = []
        self.ids: list[str] = []
        self.costs = np.zeros((0, 5))
        self.tips: list[str] = []
        self.funded: set[str] = set()
        self.labels: list[str] = []

    def set_prepared(self) -> None:
        self.beginResetModel()
        P = self.session.prepared
        self.rows, self.ids, self.tips = [], [], []
        self.costs = np.zeros((0, 5))
        if P is not None:
            rq = P.dataset.budget.requests
            for _, r in rq.iterrows():
                self.rows.append([_text(r.get(c)) for c in TEXT_COLUMNS])
                self.tips.append(_text(r.get("justification")) or _text(r.get("title")))
            self.ids = [str(i).strip() for i in P.request_ids]
            self.costs = np.asarray(P.req_costs, dtype=float).reshape(len(self.ids), -1)
            self.labels = [charts.short_year(y) for y in P.year_labels]
        self.funded = {r.casefold() for r in self.session.scenario.funded_requests}
        self.endResetModel()

    def set_scenario(self) -> None:
        funded = {r.casefold() for r in self.session.scenario.funded_requests}
        if funded != self.funded:
            self.funded = funded
            if self.rows:
                self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, 0))

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(HEADERS) + 5

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            if section < len(HEADERS):
                return HEADERS[section]
            t = section - len(HEADERS)
            return f"Cost {self.labels[t]}" if t < len(self.labels) else None
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        if c == 0:
            if role == Qt.ItemDataRole.CheckStateRole:
                on = self.ids[r].casefold() in self.funded
                return Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
            if role == SORT_ROLE:
                return int(self.ids[r].casefold() in self.funded)
            return None
        if role in (Qt.ItemDataRole.DisplayRole, SORT_ROLE):
            if c < len(HEADERS):
                return self.rows[r][c - 1]
            v = float(self.costs[r, c - len(HEADERS)])
            return fmt.money(v) if role == Qt.ItemDataRole.DisplayRole else v
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT if c >= len(HEADERS) else LEFT
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tips[r] or None
        return None

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        f = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == 0:
            f |= Qt.ItemFlag.ItemIsUserCheckable
        return f

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole):  # noqa: N802
        if not index.isValid() or index.column() != 0 or role != Qt.ItemDataRole.CheckStateRole:
            return False
        rid = self.ids[index.row()]
        on = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value, 2, True)
        s = self.session.scenario
        if on == (rid.casefold() in self.funded):
            return True
        new = s.fund_request(rid) if on else s.unfund_request(rid)
        self.session.edit_scenario(new, f"{'Fund' if on else 'Drop'} request {rid}")
        return True


class RequestsPanel(QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.model = RequestsModel(session, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.view = QTableView()
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.verticalHeader().hide()
        self.view.setWordWrap(False)
        self.view.verticalHeader().setDefaultSectionSize(24)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.summary = QLabel()
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("Tick a request to fund it in the current scenario (its costs are added as its own "
                             "line; a Reduction's costs are savings). Each tick is an undo step."))
        lay.addWidget(self.view, 1)
        lay.addWidget(self.summary)
        session.datasetChanged.connect(self._dataset_changed)
        session.scenarioChanged.connect(self.model.set_scenario)
        session.resultsChanged.connect(self._results)

    def _dataset_changed(self) -> None:
        self.model.set_prepared()
        for c, w in enumerate([58, 105, 150, 170, 175, 290, 95, 55, 45] + [105] * 5):
            self.view.setColumnWidth(c, w)

    def _results(self, results) -> None:
        r = results.requests
        t = self.session.year
        total = float(r.costs[:, t].sum()) if len(r.ids) else 0.0
        self.summary.setText(f"{len(r.ids)} of {self.model.rowCount()} requests funded: "
                             f"{fmt.money(total)} in {results.year_labels[t]}"
                             + (f"; unknown IDs ignored: {', '.join(results.unknown_requests)}"
                                if results.unknown_requests else ""))
