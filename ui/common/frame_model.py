"""A read-only Qt table model over a DataFrame: the mapping dialog's source sheet, preview, totals,
excluded rows and problems."""

from __future__ import annotations

import numpy as np
import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from .models import RAW_ROLE


class FrameModel(QAbstractTableModel):
    """A read-only view of a DataFrame (or 2-D array with headers)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.frame = pd.DataFrame()
        self._values = np.empty((0, 0), dtype=object)

    def set_frame(self, frame: pd.DataFrame) -> None:
        self.beginResetModel()
        self.frame = frame.reset_index(drop=True)
        self._values = self.frame.to_numpy(dtype=object)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else self._values.shape[0]

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else self.frame.shape[1]

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        v = self._values[index.row(), index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return _show(v)
        if role == RAW_ROLE:  # copied unformatted (ui/common/table_copy.py)
            return v.item() if isinstance(v, np.generic) else v
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(v, (float, int, np.floating, np.integer)) \
                and not isinstance(v, bool):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and section < self.frame.shape[1]:
            return str(self.frame.columns[section])
        return str(section + 1)


def _show(v) -> str:
    if v is None:
        return ""
    if isinstance(v, (float, np.floating)):
        if v != v:
            return ""
        return f"{v:,.2f}" if not float(v).is_integer() or abs(v) >= 10000 else f"{v:,.0f}"
    if isinstance(v, (bool, np.bool_)):
        return "Y" if v else "N"
    return str(v)
