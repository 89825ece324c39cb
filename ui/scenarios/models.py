"""The scenario list's item model: the session's scenarios, the current one in bold; renaming is an
undo step."""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QModelIndex, Qt
from PySide6.QtGui import QFont

from ..common.edits import unique_name
from ..common.models import DISPLAY


class ScenarioListModel(QAbstractListModel):
    """The scenarios of the session; the current one in bold; renaming is an undo step."""

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.names: list[str] = []
        self.current = 0

    def refresh(self) -> None:
        names = [s.name for s in self.session.scenarios]
        if len(names) != len(self.names):
            self.beginResetModel()
            self.names, self.current = names, self.session.state.current
            self.endResetModel()
        else:
            self.names, self.current = names, self.session.state.current
            if names:
                self.dataChanged.emit(self.index(0), self.index(len(names) - 1))

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.names)

    def data(self, index, role=DISPLAY):
        if not index.isValid() or index.row() >= len(self.names):
            return None
        if role in (DISPLAY, Qt.ItemDataRole.EditRole):
            return self.names[index.row()]
        if role == Qt.ItemDataRole.FontRole and index.row() == self.current:
            f = QFont()
            f.setBold(True)
            return f
        if role == Qt.ItemDataRole.ToolTipRole:
            s = self.session.scenarios[index.row()]
            estimated = f", {len(s.driver_overrides)} estimated elasticit{'ies' if len(s.driver_overrides) != 1 else 'y'}" \
                if s.driver_overrides else ""
            return f"{s.name}: {len(s.rules)} rule(s), {len(s.funded_requests)} funded request(s){estimated}"
        return None

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole):  # noqa: N802
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        name = str(value).strip()
        if not name:
            return False
        r = index.row()
        scenarios = list(self.session.scenarios)
        if scenarios[r].name == name:
            return True
        others = [s.name for k, s in enumerate(scenarios) if k != r]
        scenarios[r] = scenarios[r].rename(unique_name(name, others))
        self.session.set_scenarios(scenarios, self.session.state.current, f"Rename scenario to '{name}'")
        return True
