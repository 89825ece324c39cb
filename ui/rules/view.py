"""Rules view: the current scenario's rules in order, editable, with invalid ones flagged."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDoubleSpinBox, QHBoxLayout, QHeaderView, QLabel,
                               QPushButton, QStyle, QStyledItemDelegate, QTableView, QVBoxLayout, QWidget)

from ..common import access, table_copy
from .models import RulesModel
from .target_dialog import RuleDialog


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
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
                                  | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.view.verticalHeader().hide()
        h = self.view.horizontalHeader()
        h.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.setWordWrap(False)  # one line a rule; the Problem's full text is its tooltip
        for c, w in enumerate([44, 190, 220, 70, 80, 80, 80, 320]):
            self.view.setColumnWidth(c, w)
        h.setStretchLastSection(True)
        self.view.doubleClicked.connect(self._double_clicked)
        self.view.extra_menu_actions = self._row_actions
        table_copy.install(self.view, "rules")
        self.add = QPushButton("Add rule…")
        self.add.setToolTip("Add a rule: pick its target from the names in the data, its kind and value (undoable)")
        self.add.clicked.connect(lambda: self.add_rule())
        self.target = QPushButton("Change target…")
        self.target.setToolTip("Change which lines the selected rule changes (double-click its Target; undoable)")
        self.target.clicked.connect(lambda: self.edit_target())
        self.fix = QPushButton("Fix")
        self.fix.setToolTip("Use the close name the data has (undoable)")
        self.fix.clicked.connect(lambda: self.apply_fix())
        self.fix.setEnabled(False)
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
        for b in (self.add, self.target, self.fix, self.delete, self.up, self.down):
            buttons.addWidget(b)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        intro = QLabel("Rules apply in order, year by year; each sees the amounts the rules before it left. "
                       "Double-click a label, target, value, start or end to edit it; "
                       "a skipped rule says why under Problem.")
        intro.setWordWrap(True)  # the window fits beside Excel (docs/ui.md)
        lay.addWidget(intro)
        lay.addWidget(self.view, 1)
        lay.addLayout(buttons)
        lay.addWidget(self.summary)
        session.scenarioChanged.connect(lambda: self.model.set_scenario(self.session.scenario))
        session.resultsChanged.connect(self._results)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update_fix())

    def _results(self, results) -> None:
        self.model.set_results(results)
        bad, notes = len(results.invalid_rules), len(results.rule_notes)
        n = len(results.scenario.rules)
        text = f"{n} rule(s)"
        if bad:
            text += f" · <span style='color:#d55e00'>▼ {bad} invalid (skipped): see Problem</span>"
        if notes:
            text += f" · {notes} with notes"
        if results.unknown_requests:
            text += " · unknown funded requests: " + ", ".join(results.unknown_requests)
        self.summary.setText(text)
        self._update_fix()

    # -- the target, a new rule and the one-click fix (each an undoable edit) ------------------------
    def _double_clicked(self, index) -> None:
        if index.column() == 2:
            self.edit_target(index.row())
        elif index.column() == RulesModel.PROBLEM and index.row() in self.model.fixes:
            self.apply_fix(index.row())

    def _row_actions(self) -> list:
        from PySide6.QtGui import QAction

        r = self.selected_row()
        out = []
        if r in self.model.fixes:
            a = QAction(self.model.fixes[r][1][0].upper() + self.model.fixes[r][1][1:], self.view)
            a.triggered.connect(lambda: self.apply_fix(r))
            out.append(a)
        if r >= 0:
            a = QAction("Change target…", self.view)
            a.triggered.connect(lambda: self.edit_target(r))
            out.append(a)
        return out

    def _update_fix(self) -> None:
        fix = self.model.fixes.get(self.selected_row())
        self.fix.setEnabled(fix is not None)
        self.fix.setText(fix[1][0].upper() + fix[1][1:] if fix else "Fix")
        self.target.setEnabled(self.selected_row() >= 0)

    def apply_fix(self, row: int | None = None) -> bool:
        """Replace the rule's unknown name by the close one the data has: one undoable edit."""
        r = self.selected_row() if row is None else row
        fix = self.model.fixes.get(r)
        if fix is None:
            return False
        self.session.edit_scenario(self.session.scenario.replace_rule(r, fix[0]), f"Fix rule {r + 1}: {fix[1]}")
        return True

    def edit_target(self, row: int | None = None, dialog=None) -> bool:
        """Change a rule's target in the target editor (`dialog`: a prepared RuleDialog, for tests)."""
        r = self.selected_row() if row is None else row
        rules = self.session.scenario.rules
        if not 0 <= r < len(rules):
            return False
        dlg = dialog or RuleDialog(self.session.prepared, rules[r], self, target_only=True)
        if dialog is None and not dlg.exec():
            return False
        new = dlg.rule()
        if new == rules[r]:
            return False
        self.session.edit_scenario(self.session.scenario.replace_rule(r, new), f"Change the target of rule {r + 1}")
        return True

    def add_rule(self, dialog=None) -> bool:
        """Add a rule made in the rule editor at the end (rules apply in order): one undoable edit."""
        if self.session.prepared is None:
            return False
        dlg = dialog or RuleDialog(self.session.prepared, None, self)
        if dialog is None and not dlg.exec():
            return False
        rule = dlg.rule()
        self.session.edit_scenario(self.session.scenario.add_rule(rule), f"Add rule '{rule.label}'")
        self._select(len(self.session.scenario.rules) - 1)
        return True

    def selected_row(self) -> int:
        """The rule the buttons act on: the current row when selected (several may be, to copy them)."""
        sel = self.view.selectionModel()
        current = self.view.currentIndex()
        if current.isValid() and sel.isRowSelected(current.row(), current.parent()):
            return current.row()
        rows = sorted(i.row() for i in sel.selectedRows())
        return rows[0] if rows else -1

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
