"""The shared base of the item models: the table-model bases and the roles, alignments and colours
every feature's model uses.

- `ListTableModel`: counting and headers for a table over a Python list (subclasses give `data`).
- `TableModel`: a small generic table of rows (funds, drivers, comparison, proposals); raw values
  under `SORT_ROLE` so a QSortFilterProxyModel sorts numbers as numbers.
- `change_brush`: the colour of a change judged good, bad or neither.

Each feature's own models live in its folder (ui/allocations/models.py, ui/lineitems/models.py,
ui/rules/models.py, ui/scenarios/models.py, ui/optimizer/models.py, ui/common/report_model.py).
"""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

def name_key(value) -> str:
    """Names match case-insensitively with spaces normalised (as in the engine)."""
    return " ".join(str(value).split()).casefold()


SORT_ROLE = Qt.ItemDataRole.UserRole + 1
RAW_ROLE = Qt.ItemDataRole.UserRole + 2
DISPLAY = Qt.ItemDataRole.DisplayRole
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
RED = QColor("#b3261e")
GREEN = QColor("#1b7f3b")
AMBER = QColor("#a05a00")


# ---------------------------------------------------------------------------------------------------
class ListTableModel(QAbstractTableModel):
    """A table over a Python list (`items()`, default `self.rows`) with column titles `HEADERS` and
    optional header tooltips `HEADER_TIPS`: the counting and headers every plain model here shares.
    Subclasses give `data` (and `flags`/`setData` when editable)."""

    HEADERS: Sequence[str] = ()
    HEADER_TIPS: dict[int, str] = {}

    def items(self) -> list:
        return self.rows

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt's name
        return 0 if parent.isValid() else len(self.items())

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section, orientation, role=DISPLAY):  # noqa: N802
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.HEADERS):
            return None
        if role == DISPLAY:
            return self.HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.HEADER_TIPS.get(section)
        return None


class TableModel(QAbstractTableModel):
    """Rows of plain values; `formats[c]` turns a value into text, `numeric[c]` right-aligns it."""

    def __init__(self, headers: Sequence[str], formats: Sequence[Callable[[Any], str] | None] | None = None,
                 numeric: Sequence[bool] | None = None, parent=None):
        super().__init__(parent)
        self.headers = list(headers)
        self.formats = list(formats or [None] * len(headers))
        self.numeric = list(numeric or [False] * len(headers))
        self.rows: list[tuple] = []
        self.tooltips: list[str | None] = []
        self.decorations: list[Any] = []
        self.colors: list[QColor | None] = []

    def set_rows(self, rows: list[tuple], tooltips=None, decorations=None, colors=None) -> None:
        """Same shape → dataChanged; otherwise a reset (a new list)."""
        same = len(rows) == len(self.rows)
        if not same:
            self.beginResetModel()
        self.rows = list(rows)
        self.tooltips = list(tooltips) if tooltips is not None else [None] * len(rows)
        self.decorations = list(decorations) if decorations is not None else [None] * len(rows)
        self.colors = list(colors) if colors is not None else [None] * len(rows)
        if not same:
            self.endResetModel()
        elif rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(rows) - 1, len(self.headers) - 1))

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section, orientation, role=DISPLAY):  # noqa: N802
        if role == DISPLAY:
            if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.headers):
                return self.headers[section]
            if orientation == Qt.Orientation.Vertical:
                return str(section + 1)
        return None

    def data(self, index, role=DISPLAY):
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        if not (0 <= r < len(self.rows) and 0 <= c < len(self.headers)):
            return None
        value = self.rows[r][c]
        if role == DISPLAY:
            f = self.formats[c]
            if f is not None:
                return f(value)
            return "" if value is None else str(value)
        if role == SORT_ROLE or role == RAW_ROLE:
            if isinstance(value, float) and math.isnan(value):
                return -math.inf
            return value
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT if self.numeric[c] else LEFT
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltips[r] if self.tooltips[r] else None
        if role == Qt.ItemDataRole.DecorationRole and c == 0:
            return self.decorations[r]
        if role == Qt.ItemDataRole.ForegroundRole:
            col = self.colors[r]
            return QBrush(col) if col is not None and c == len(self.headers) - 1 else None
        return None


# ---------------------------------------------------------------------------------------------------
_RED_BRUSH = QBrush(RED)
_GREEN_BRUSH = QBrush(GREEN)
#: A change of spending is neither good nor bad (docs/ui.md, "Colours of a change"): one neutral colour.
CHANGED = QColor("#1f4e8c")
_CHANGED_BRUSH = QBrush(CHANGED)


def change_brush(quality: str | None) -> QBrush | None:
    """The text colour of a change judged by kcplanner.engine.change_sense.judge: good green, bad red,
    neither the neutral blue."""
    return _GREEN_BRUSH if quality == "good" else _RED_BRUSH if quality == "bad" else _CHANGED_BRUSH
