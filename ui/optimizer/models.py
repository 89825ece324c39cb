"""The optimizer dialog's setup models: which requests are locked in or out (`LockModel`) and which
departments may vary within percent bounds (`BoundsModel`)."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt

from kcplanner.requests import request_records

from ..common import fmt
from ..common.models import DISPLAY, RIGHT, SORT_ROLE, ListTableModel
from ..common.models import name_key as _key

CHECK = Qt.ItemDataRole.CheckStateRole


def _checked(value) -> bool:
    v = value.value if hasattr(value, "value") else value
    return int(v) == Qt.CheckState.Checked.value


class LockModel(ListTableModel):
    """Every request with two checkable columns: Must fund, Must not fund (mutually exclusive)."""

    HEADERS = COLUMNS = ["Must fund", "Must not", "Request ID", "Title", "Department", "Five-year cost", "Rank"]
    MUST, NEVER = 0, 1
    FIRST = 2   # columns FIRST.. show row[0..]

    def __init__(self, prepared, parent=None):
        super().__init__(parent)
        self.rows = []
        for r in request_records(prepared.dataset):
            j = prepared.request_index.get(_key(r.request_id))
            cost = float(prepared.req_costs[j].sum()) if j is not None else 0.0
            self.rows.append([r.request_id, r.title, r.department, cost, r.rank])
        self.lock: dict[str, str] = {}   # request key → "must" / "never"

    def data(self, index, role=DISPLAY):
        if not index.isValid() or not (0 <= index.row() < len(self.rows)):
            return None
        r, c = index.row(), index.column()
        row = self.rows[r]
        state = self.lock.get(_key(row[0]))
        if c in (self.MUST, self.NEVER):
            if role == CHECK:
                on = state == ("must" if c == self.MUST else "never")
                return Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
            if role == SORT_ROLE:
                return int(state == ("must" if c == self.MUST else "never"))
            return None
        k = c - self.FIRST
        if not (0 <= k < len(row)):
            return None
        v = row[k]
        if role == DISPLAY:
            if k == 3:
                return fmt.money(v)
            if k == 4:
                return "" if v is None else (str(int(v)) if float(v).is_integer() else str(v))
            return str(v)
        if role == SORT_ROLE:
            if k == 4:
                return math.inf if v is None else float(v)
            return v.casefold() if isinstance(v, str) else v
        if role == Qt.ItemDataRole.TextAlignmentRole and k in (3, 4):
            return RIGHT
        if role == Qt.ItemDataRole.ToolTipRole and k == 1:
            return str(v)
        return None

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        f = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() in (self.MUST, self.NEVER):
            f |= Qt.ItemFlag.ItemIsUserCheckable
        return f

    def setData(self, index, value, role=CHECK):  # noqa: N802
        if role != CHECK or not index.isValid() or index.column() not in (self.MUST, self.NEVER):
            return False
        key = _key(self.rows[index.row()][0])
        want = "must" if index.column() == self.MUST else "never"
        if _checked(value):
            self.lock[key] = want
        elif self.lock.get(key) == want:
            del self.lock[key]
        else:
            return False
        self.dataChanged.emit(self.index(index.row(), self.MUST), self.index(index.row(), self.NEVER), [CHECK])
        return True

    def set_lock(self, request_id: str, state: str | None) -> None:
        for r, row in enumerate(self.rows):
            if _key(row[0]) == _key(request_id):
                if state is None:
                    self.lock.pop(_key(row[0]), None)
                else:
                    self.lock[_key(row[0])] = state
                self.dataChanged.emit(self.index(r, self.MUST), self.index(r, self.NEVER), [CHECK])

    def ids(self, state: str) -> tuple[str, ...]:
        return tuple(row[0] for row in self.rows if self.lock.get(_key(row[0])) == state)


class BoundsModel(ListTableModel):
    """Departments with a checkable Vary column and editable Low % / High % bounds."""

    HEADERS = COLUMNS = ["Department", "Vary", "Low %", "High %"]

    def __init__(self, departments: list[str], low: float = -2.0, high: float = 2.0, parent=None):
        super().__init__(parent)
        self.rows = [[d, False, float(low), float(high)] for d in departments]

    def data(self, index, role=DISPLAY):
        if not index.isValid() or not (0 <= index.row() < len(self.rows)):
            return None
        row = self.rows[index.row()]
        c = index.column()
        if c == 1:
            if role == CHECK:
                return Qt.CheckState.Checked if row[1] else Qt.CheckState.Unchecked
            return None
        if role == DISPLAY:
            return row[0] if c == 0 else f"{row[c]:+g}"
        if role == Qt.ItemDataRole.EditRole and c in (2, 3):
            return row[c]
        if role == Qt.ItemDataRole.TextAlignmentRole and c in (2, 3):
            return RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and c in (2, 3) and not row[1]:
            from PySide6.QtGui import QColor
            return QColor("#9a9a9a")
        return None

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        f = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == 1:
            f |= Qt.ItemFlag.ItemIsUserCheckable
        if index.column() in (2, 3):
            f |= Qt.ItemFlag.ItemIsEditable
        return f

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole):  # noqa: N802
        if not index.isValid():
            return False
        row = self.rows[index.row()]
        c = index.column()
        if c == 1 and role == CHECK:
            row[1] = _checked(value)
        elif c in (2, 3) and role == Qt.ItemDataRole.EditRole:
            try:
                v = float(str(value).replace("%", "").replace("+", "").strip())
            except ValueError:
                return False
            if not math.isfinite(v) or v <= -100:
                return False
            row[c] = v
            if row[2] > row[3]:
                row[5 - c] = v  # keep low ≤ high
        else:
            return False
        self.dataChanged.emit(self.index(index.row(), 1), self.index(index.row(), 3))
        return True

    def set_bounds(self, department: str, low: float, high: float, vary: bool = True) -> None:
        for r, row in enumerate(self.rows):
            if _key(row[0]) == _key(department):
                row[1], row[2], row[3] = vary, float(low), float(high)
                self.dataChanged.emit(self.index(r, 1), self.index(r, 3))

    def bounds(self) -> dict[str, tuple[float, float]]:
        return {row[0]: (row[2], row[3]) for row in self.rows if row[1]}


__all__ = ["LockModel", "BoundsModel"]
