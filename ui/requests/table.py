"""The Requests tab's list: every request of the dataset as a table row (funded checkbox, rank,
names, five-year cost, FTE, KPI, justification), with the department/text filter and sort proxy
in front of it.  Ticking Funded and editing Title or Rank call back to the panel, which turns
them into undoable edits."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor, QFont

from kcplanner.engine import Prepared
from kcplanner.requests import Request, RequestError, request_records

from ..common import fmt
from ..common.models import GREEN, RAW_ROLE, SORT_ROLE
from .text import format_fte, format_rank, name_key

ALL_DEPARTMENTS = "All departments"
DISPLAY = Qt.ItemDataRole.DisplayRole
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
CENTER = int(Qt.AlignmentFlag.AlignCenter)
REQUEST_ID_ROLE = Qt.ItemDataRole.UserRole + 10


class RequestsModel(QAbstractTableModel):
    """Every request of the dataset (rows in dataset order); the Funded column is checkable (a
    scenario edit through `fund_callback`), Title and Rank are editable (a request edit through
    `edit_callback`)."""

    COLUMNS = ["Funded", "Rank", "Request ID", "Title", "Department", "Program", "Fund", "Type", "Recurring",
               "Five-year cost", "FTE", "KPI", "Justification"]
    FUNDED, RANK, ID, TITLE, DEPT, PROG, FUND, TYPE, REC, COST, FTE, KPI, JUST = range(13)
    EDITABLE = {TITLE, RANK}

    def __init__(self, parent=None):
        super().__init__(parent)
        self.records: list[Request] = []
        self.costs = np.zeros((0, 5))
        self.labels: list[str] = []
        self.kpi_names: dict[str, str] = {}
        self.funded: set[str] = set()
        self.fund_callback = None   # (request_id, bool) -> None
        self.edit_callback = None   # (request_id, Request) -> None

    def set_prepared(self, prepared: Prepared | None) -> None:
        self.beginResetModel()
        if prepared is None:
            self.records, self.costs, self.labels, self.kpi_names = [], np.zeros((0, 5)), [], {}
        else:
            self.records = request_records(prepared.dataset)
            costs = np.zeros((len(self.records), len(prepared.plan_years)))
            for i, r in enumerate(self.records):
                j = prepared.request_index.get(name_key(r.request_id))
                if j is not None:
                    costs[i] = prepared.req_costs[j]
            self.costs = costs
            self.labels = list(prepared.year_labels)
            self.kpi_names = {name_key(k): n for k, n in zip(prepared.kpi_ids, prepared.kpi_names)}
        self.endResetModel()

    def set_scenario(self, scenario) -> None:
        funded = {name_key(r) for r in scenario.funded_requests} if scenario is not None else set()
        if funded != self.funded:
            self.funded = funded
            if self.records:
                self.dataChanged.emit(self.index(0, 0), self.index(len(self.records) - 1, len(self.COLUMNS) - 1),
                                      [Qt.ItemDataRole.CheckStateRole, Qt.ItemDataRole.FontRole])

    def row_of(self, request_id: str) -> int:
        key = name_key(request_id)
        for i, r in enumerate(self.records):
            if name_key(r.request_id) == key:
                return i
        return -1

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.records)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section, orientation, role=DISPLAY):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.COLUMNS):
            if role == DISPLAY:
                return self.COLUMNS[section]
            if role == Qt.ItemDataRole.ToolTipRole:
                return {self.FUNDED: "Check to fund the request in the current scenario (undoable)",
                        self.COST: "Net budget effect over the five plan years (a Reduction's savings are negative)",
                        self.RANK: "The department's priority (1 = first); double-click to change",
                        self.KPI: "The KPI the request names"}.get(section)
        if orientation == Qt.Orientation.Vertical and role == DISPLAY:
            return str(section + 1)
        return None

    def _value(self, r: Request, i: int, c: int):
        if c == self.FUNDED:
            return name_key(r.request_id) in self.funded
        if c == self.RANK:
            return r.rank
        if c == self.COST:
            return float(self.costs[i].sum()) if i < len(self.costs) else 0.0
        if c == self.KPI:
            return r.kpi_id or ""
        return {self.ID: r.request_id, self.TITLE: r.title, self.DEPT: r.department, self.PROG: r.program,
                self.FUND: r.fund, self.TYPE: r.type, self.REC: r.recurring, self.FTE: r.fte,
                self.JUST: r.justification}.get(c)

    def data(self, index, role=DISPLAY):
        if not index.isValid():
            return None
        i, c = index.row(), index.column()
        if not (0 <= i < len(self.records) and 0 <= c < len(self.COLUMNS)):
            return None
        r = self.records[i]
        if role == DISPLAY:
            if c == self.FUNDED:
                return None
            v = self._value(r, i, c)
            if c == self.RANK:
                return format_rank(v)
            if c == self.REC:
                return "Yes" if v else "No"
            if c == self.COST:
                return fmt.money(v)
            if c == self.FTE:
                return format_fte(v)
            if c == self.JUST:
                text = " ".join(str(v).split())
                return text if len(text) <= 90 else text[:88] + "…"
            return "" if v is None else str(v)
        if role == Qt.ItemDataRole.EditRole:
            if c == self.RANK:
                return format_rank(r.rank)
            return self._value(r, i, c)
        if role == Qt.ItemDataRole.CheckStateRole and c == self.FUNDED:
            return Qt.CheckState.Checked if name_key(r.request_id) in self.funded else Qt.CheckState.Unchecked
        if role == SORT_ROLE:
            v = self._value(r, i, c)
            if c == self.RANK:
                return math.inf if v is None else float(v)
            if isinstance(v, bool):
                return int(v)
            if isinstance(v, str):
                return v.casefold()
            return v
        if role == RAW_ROLE:  # copied as it is (ui/common/table_copy.py): the full justification, the cost unrounded
            return self._value(r, i, c)
        if role == REQUEST_ID_ROLE:
            return r.request_id
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if c in (self.COST, self.FTE, self.RANK):
                return RIGHT
            if c in (self.FUNDED, self.REC):
                return CENTER
            return LEFT
        if role == Qt.ItemDataRole.FontRole and c == self.TITLE and name_key(r.request_id) in self.funded:
            f = QFont()
            f.setBold(True)
            return f
        if role == Qt.ItemDataRole.ForegroundRole and c == self.COST and self._value(r, i, c) < 0:
            return QColor(GREEN)
        if role == Qt.ItemDataRole.ToolTipRole:
            if c == self.COST and i < len(self.costs):
                return "\n".join(f"{lab}: {fmt.money(v)}" for lab, v in zip(self.labels, self.costs[i]))
            if c == self.KPI and r.kpi_id:
                return self.kpi_names.get(name_key(r.kpi_id), r.kpi_id)
            if c == self.JUST and r.justification:
                return r.justification
            if c == self.TITLE:
                return r.title
        return None

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        f = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == self.FUNDED:
            f |= Qt.ItemFlag.ItemIsUserCheckable
        if index.column() in self.EDITABLE:
            f |= Qt.ItemFlag.ItemIsEditable
        return f

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole):  # noqa: N802
        if not index.isValid() or not (0 <= index.row() < len(self.records)):
            return False
        r = self.records[index.row()]
        c = index.column()
        if role == Qt.ItemDataRole.CheckStateRole and c == self.FUNDED:
            state = value.value if hasattr(value, "value") else value
            want = int(state) == Qt.CheckState.Checked.value
            if self.fund_callback is not None:
                self.fund_callback(r.request_id, want)
            return True
        if role == Qt.ItemDataRole.EditRole and c in self.EDITABLE and self.edit_callback is not None:
            if c == self.TITLE:
                text = " ".join(str(value or "").split())
                if not text or text == r.title:
                    return False
                new = r.with_changes(title=text)
            else:
                text = str(value if value is not None else "").strip()
                rank = None
                if text:
                    try:
                        rank = float(text.replace(",", ""))
                    except ValueError:
                        return False
                    if not math.isfinite(rank):
                        return False
                if rank == r.rank:
                    return False
                new = r.with_changes(rank=rank)
            try:
                self.edit_callback(r.request_id, new)
            except RequestError:
                return False
            return True
        return False


class RequestFilter(QSortFilterProxyModel):
    """Sorts by raw values; keeps the rows of one department (or all) whose text matches."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.department: str | None = None
        self.text = ""
        self.setSortRole(SORT_ROLE)

    def set_department(self, department: str | None) -> None:
        self.beginFilterChange()
        self.department = None if not department or department == ALL_DEPARTMENTS else department
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_text(self, text: str) -> None:
        self.beginFilterChange()
        self.text = text.strip().casefold()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row, source_parent):  # noqa: N802
        m = self.sourceModel()
        if not isinstance(m, RequestsModel) or source_row >= len(m.records):
            return True
        r = m.records[source_row]
        if self.department is not None and name_key(r.department) != name_key(self.department):
            return False
        if self.text:
            hay = " ".join([r.request_id, r.title, r.program, r.fund, r.type, r.kpi_id or "",
                            r.justification]).casefold()
            return self.text in hay
        return True


def show_cost_early(view) -> None:
    """Show Five-year cost and FTE right after the title (the model's columns stay put): the
    figures an analyst reads first stay in view beside the effect pane."""
    m = RequestsModel
    order = [m.FUNDED, m.RANK, m.ID, m.TITLE, m.COST, m.FTE, m.DEPT, m.PROG, m.FUND, m.TYPE, m.REC, m.KPI, m.JUST]
    h = view.horizontalHeader()
    for visual, logical in enumerate(order):
        if h.visualIndex(logical) != visual:
            h.moveSection(h.visualIndex(logical), visual)


__all__ = ["show_cost_early", "RequestsModel", "RequestFilter", "ALL_DEPARTMENTS", "REQUEST_ID_ROLE"]
