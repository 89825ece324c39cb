"""The requests of a shared project as a table: one row a request (as `TeamProject.requests()` gives
it), its status in the workflow's order, its first plan year's cost; ordered by department, status
and rank (the review queue's order) or another of the `ORDERS`."""

from __future__ import annotations

import math

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from kcplanner.project.postgres.requests import STATUSES

from ...common import fmt
from ...common.models import DISPLAY, LEFT, RIGHT, SORT_ROLE, ListTableModel

RANK_NONE = math.inf
STATUS_ORDER = {s: i for i, s in enumerate(STATUSES)}
# the workflow's order for people: Returned sits beside Draft (it goes back there)
STATUS_ORDER["Returned"] = 0.5

STATUS_COLOURS = {"Draft": "#555555", "Returned": "#a05a00", "Submitted": "#1f4e8c", "Under review": "#1f4e8c",
                  "Recommended": "#1b7f3b", "Not recommended": "#b3261e", "Adopted": "#1b7f3b",
                  "Not adopted": "#b3261e"}


def first_year(requests: list[dict]) -> str | None:
    """The first fiscal year any request has a cost for (the column shown)."""
    years = sorted({y for r in requests for y, v in (r.get("costs") or {}).items() if v is not None},
                   key=lambda y: (len(str(y)), str(y)))
    return years[0] if years else None


def rank_value(request: dict) -> float:
    rank = request.get("rank")
    return RANK_NONE if rank is None or (isinstance(rank, float) and math.isnan(rank)) else float(rank)


ORDERS = {
    "Department, status, rank": lambda r: (str(r.get("department") or "").casefold(),
                                           STATUS_ORDER.get(r.get("status"), 99), rank_value(r)),
    "Status, department, rank": lambda r: (STATUS_ORDER.get(r.get("status"), 99),
                                           str(r.get("department") or "").casefold(), rank_value(r)),
    "Rank, department": lambda r: (rank_value(r), str(r.get("department") or "").casefold()),
}


class TeamRequestsModel(ListTableModel):
    """Requests (dicts) in a table; `request_at(row)` gives the dict back."""

    HEADERS = ("Department", "Request", "Title", "Status", "Rank", "Cost", "Version", "Changed by")
    DEPARTMENT, REQUEST, TITLE, STATUS, RANK, COST, VERSION, CHANGED_BY = range(8)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[dict] = []
        self.year: str | None = None

    def set_requests(self, requests: list[dict], order: str = "Department, status, rank") -> None:
        self.beginResetModel()
        self.rows = sorted(requests, key=ORDERS[order])
        self.year = first_year(self.rows)
        self.endResetModel()

    def request_at(self, row: int) -> dict:
        return self.rows[row]

    def row_of(self, request_id: str) -> int:
        return next((i for i, r in enumerate(self.rows) if r["request_id"] == request_id), -1)

    def headerData(self, section, orientation, role=DISPLAY):  # noqa: N802 - Qt's name
        if role == DISPLAY and orientation == Qt.Orientation.Horizontal and section == self.COST and self.year:
            return f"FY{self.year} cost"
        return super().headerData(section, orientation, role)

    def _cost(self, r: dict):
        value = (r.get("costs") or {}).get(self.year) if self.year else None
        return None if value is None else float(value)

    def data(self, index: QModelIndex, role=DISPLAY):
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        r, c = self.rows[index.row()], index.column()
        if role == DISPLAY:
            if c == self.RANK:
                rank = rank_value(r)
                return "" if rank == RANK_NONE else f"{rank:g}"
            if c == self.COST:
                return fmt.money(self._cost(r)) if self._cost(r) is not None else fmt.DASH
            return str([r.get("department"), r.get("request_id"), r.get("title") or "", r.get("status"), None, None,
                        r.get("version"), r.get("modified_by") or ""][c])
        if role == SORT_ROLE:
            if c == self.STATUS:
                return STATUS_ORDER.get(r.get("status"), 99)
            if c == self.RANK:
                return rank_value(r)
            if c == self.COST:
                cost = self._cost(r)
                return -math.inf if cost is None else cost
            if c == self.VERSION:
                return int(r.get("version") or 0)
            return str(self.data(index, DISPLAY)).casefold()
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT if c in (self.RANK, self.COST, self.VERSION) else LEFT
        if role == Qt.ItemDataRole.ForegroundRole and c == self.STATUS:
            return QBrush(QColor(STATUS_COLOURS.get(r.get("status"), "#000000")))
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{r.get('request_id')}: {r.get('status')}, version {r.get('version')}, changed by " \
                   f"{r.get('modified_by')} at {r.get('modified')}"
        return None


__all__ = ["TeamRequestsModel", "ORDERS", "STATUS_ORDER", "first_year"]
