"""Rules view: the current scenario's rules in order, editable, with invalid ones flagged."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDoubleSpinBox, QHBoxLayout, QHeaderView, QLabel,
                               QPushButton, QStyle, QStyledItemDelegate, QTableView, QVBoxLayout, QWidget)

from ..common import access
from .models import RulesModel


class RuleDelegate(QStyledItemDelegate):
    """Value: a spin box with a wide range; Start/End: the plan years (blank = the plan's own)."""

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session

    def createEditor(self, parent, option, index):  # noqa: N802
        if index.column() == 4:
            box = QDoubleSpinBox(parent)
            box.setRange(-1e12, 1e12)
            box.setDecimals(2)
            return box
        if index.column() in (5, 6):
            box = QComboBox(parent)
            box.addItem("", "")
            for y, label in zip(self.session.plan_years, self.session.year_labels):
                box.addItem(label, str(y))
            return box
        return super().createEditor(parent, option, index)

    def setEditorData(self, editor, index):  # noqa: N802
        if isinstance(editor, QComboBox):
            text = index.data(Qt.ItemDataRole.EditRole) or ""
            i = editor.findText(text)
            editor.setCurrentIndex(max(i, 0))
            return
        if isinstance(editor, QDoubleSpinBox):
            editor.setValue(float(index.data(Qt.ItemDataRole.EditRole) or 0))
            return
        super().setEditorData(editor, index)

    def setModelData(self, editor, model, index):  # noqa: N802
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)
            return
        if isinstance(editor, QDoubleSpinBox):
            editor.interpretText()
            model.setData(index, editor.value(), Qt.ItemDataRole.EditRole)
            return
        super().setModelData(editor, model, index)


class RulesPanel(QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.model = RulesModel(session, self)
        style = self.style()
        self.model.warn_icon = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        self.model.note_icon = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation)
        self.view = access.name(QTableView(), "Rules of the scenario")
        self.view.setModel(self.model)
        self.view.setItemDelegate(RuleDelegate(session, self.view))
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
                                  | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.view.verticalHeader().hide()
        h = self.view.horizontalHeader()
        h.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for c, w in enumerate([56, 280, 380, 80, 120, 110, 110]):
            self.view.setColumnWidth(c, w)
        h.setStretchLastSection(True)
        self.delete = QPushButton("Delete")
        self.delete.setShortcut("Del")
        self.delete.setToolTip("Delete the selected rule (Del)")
        self.delete.clicked.connect(self.delete_selected)
        self.up = QPushButton("Move up")
        self.up.setShortcut("Alt+Up")
        self.up.setToolTip("Apply the selected rule earlier (Alt+Up): rules apply in order")
        self.up.clicked.connect(lambda: self.move_selected(-1))
        self.down = QPushButton("Move down")
        self.down.setShortcut("Alt+Down")
        self.down.setToolTip("Apply the selected rule later (Alt+Down)")
        self.down.clicked.connect(lambda: self.move_selected(1))
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        buttons = QHBoxLayout()
        for b in (self.delete, self.up, self.down):
            buttons.addWidget(b)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        intro = QLabel("Rules apply in order, year by year; each sees the amounts the rules before it left. "
                       "Double-click a label, value, start or end to edit it.")
        intro.setWordWrap(True)  # the window fits beside Excel (docs/ui.md)
        lay.addWidget(intro)
        lay.addWidget(self.view, 1)
        lay.addLayout(buttons)
        lay.addWidget(self.summary)
        session.scenarioChanged.connect(lambda: self.model.set_scenario(self.session.scenario))
        session.resultsChanged.connect(self._results)

    def _results(self, results) -> None:
        self.model.set_results(results)
        bad, notes = len(results.invalid_rules), len(results.rule_notes)
        n = len(results.scenario.rules)
        text = f"{n} rule(s)"
        if bad:
            text += f" · <span style='color:#b3261e'>{bad} invalid (skipped): hover the ⚠ for why</span>"
        if notes:
            text += f" · {notes} with notes"
        if results.unknown_requests:
            text += " · unknown funded requests: " + ", ".join(results.unknown_requests)
        self.summary.setText(text)

    def selected_row(self) -> int:
        rows = self.view.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def delete_selected(self) -> None:
        r = self.selected_row()
        if r < 0:
            return
        s = self.session.scenario
        self.session.edit_scenario(s.remove_rule(r), f"Delete rule {r + 1} ({s.rules[r].label})")
        if self.model.rowCount():
            self._select(min(r, self.model.rowCount() - 1))

    def move_selected(self, step: int) -> None:
        r = self.selected_row()
        s = self.session.scenario
        new = r + step
        if r < 0 or not 0 <= new < len(s.rules):
            return
        self.session.edit_scenario(s.move_rule(r, new), f"Move rule {r + 1} {'up' if step < 0 else 'down'}")
        self._select(new)

    def _select(self, row: int) -> None:
        self.view.selectionModel().setCurrentIndex(
            self.model.index(row, 1), QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
