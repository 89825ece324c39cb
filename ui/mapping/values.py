"""The values-map editor of the mapping dialog: rows of field, source text → value, added and removed.

    editor = ValuesMapEditor(fields=lambda: [...], texts=lambda field: [...])
    editor.set_values({"account_class": {"Supplies & Materials": "Commodities"}})
    editor.values()  → the same dict, from what the table shows

"Add a value" appends a row (the account class first, when it is mapped) and opens its source text
for editing; "Remove" deletes the selected rows. Each cell is edited with a combo box: the field
from the fields the mapping maps, the source text from that field's column (any text may be typed),
and for an account class the standard classes (a city's own class may be typed).
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QPushButton, QStyledItemDelegate,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from kcplanner.dataset import ACCOUNT_CLASSES

FIELD, SOURCE, BECOMES = 0, 1, 2
CHOICES = {"account_class": list(ACCOUNT_CLASSES), "recurring": ["Y", "N"],
           "direction": ["Higher is better", "Lower is better"]}


class _ComboDelegate(QStyledItemDelegate):
    """An editable combo box per cell, its choices from the editor (see `ValuesMapEditor.choices`)."""

    def __init__(self, editor: "ValuesMapEditor"):
        super().__init__(editor.table)
        self.owner = editor

    def createEditor(self, parent, option, index):  # noqa: N802 - Qt's name
        combo = QComboBox(parent)
        combo.setEditable(index.column() != FIELD)
        combo.addItems(self.owner.choices(index.row(), index.column()))
        return combo

    def setEditorData(self, combo, index):  # noqa: N802
        text = index.data() or ""
        k = combo.findText(text)
        if k >= 0:
            combo.setCurrentIndex(k)
        elif combo.isEditable():
            combo.setEditText(text)

    def setModelData(self, combo, model, index):  # noqa: N802
        model.setData(index, combo.currentText().strip())


class ValuesMapEditor(QWidget):
    changed = Signal()

    def __init__(self, fields: Callable[[], list[str]], texts: Callable[[str], list[str]], parent=None):
        super().__init__(parent)
        self._fields, self._texts = fields, texts
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Field", "Source text", "Becomes"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(FIELD, 110)
        self.table.setColumnWidth(SOURCE, 190)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        self.table.setItemDelegate(_ComboDelegate(self))
        self.table.setMinimumHeight(160)
        self.table.itemChanged.connect(lambda _i: self.changed.emit())
        self.add_button = QPushButton("Add a value")
        self.add_button.setToolTip("Add a row: a source text and the value it becomes")
        self.add_button.clicked.connect(lambda: self.add_row())
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the selected rows")
        self.remove_button.clicked.connect(self.remove_selected)
        self.remove_button.setEnabled(False)
        self.table.itemSelectionChanged.connect(
            lambda: self.remove_button.setEnabled(bool(self.table.selectionModel().selectedRows())))
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.table)
        lay.addLayout(buttons)

    def choices(self, row: int, column: int) -> list[str]:
        if column == FIELD:
            return self._fields()
        field = self.cell(row, FIELD)
        if column == SOURCE:
            taken = {self.cell(r, SOURCE) for r in range(self.table.rowCount())
                     if r != row and self.cell(r, FIELD) == field}
            return [t for t in self._texts(field) if t not in taken] + (["*"] if "*" not in taken else [])
        return list(CHOICES.get(field, []))

    def cell(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text().strip() if item is not None else ""

    def _append(self, field: str, src: str, dst: str) -> int:
        r = self.table.rowCount()
        self.table.insertRow(r)
        for c, v in enumerate((field, src, dst)):
            self.table.setItem(r, c, QTableWidgetItem(str(v)))
        return r

    def set_values(self, values: dict[str, dict]) -> None:
        self.table.blockSignals(True)
        try:
            self.table.setRowCount(0)
            for f, vm in values.items():
                for src, dst in vm.items():
                    self._append(f, src, dst)
        finally:
            self.table.blockSignals(False)

    def add_row(self, field: str | None = None, src: str = "", dst: str = "") -> int:
        """Append a row (its field: `field`, else the account class when mapped, else the first field)
        and start editing its source text; the row's index."""
        fields = self._fields()
        if field is None:
            field = "account_class" if "account_class" in fields else (fields[0] if fields else "")
        self.table.blockSignals(True)
        try:
            r = self._append(field, src, dst)
        finally:
            self.table.blockSignals(False)
        self.table.setCurrentCell(r, SOURCE)
        if not src:
            self.table.editItem(self.table.item(r, SOURCE))
        self.changed.emit()
        return r

    def remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()}, reverse=True)
        for r in rows:
            self.table.removeRow(r)
        if rows:
            self.changed.emit()

    def values(self) -> dict[str, dict[str, str]]:
        """Field → {source text: value}; rows without a field or a source text are left out."""
        out: dict[str, dict[str, str]] = {}
        for r in range(self.table.rowCount()):
            f, src, dst = (self.cell(r, c) for c in (FIELD, SOURCE, BECOMES))
            if f and src:
                out.setdefault(f, {})[src] = dst
        return out


def distinct_texts(column_values, limit: int = 200) -> list[str]:
    """The distinct non-blank texts of a column, in order of first appearance (at most `limit`)."""
    import pandas as pd

    seen = pd.unique(pd.Series(column_values, dtype=object).dropna().astype(str).str.strip())
    return [t for t in seen if t][:limit]

