"""Add a rule, or change a rule's target, from the Rules tab: the target's fund, department,
program, account class and revenue source picked from the names in the data (or typed), the
kind, value and label, with the reason the rule would not apply shown as it is edited."""

from __future__ import annotations

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QLabel, QLineEdit,
                               QVBoxLayout)

from kcplanner.scenario import Rule, Target

from ..common.edits import auto_label
from .fixes import VOCABS, names_of

KEY_TEXT = {"fund": "Fund", "department": "Department", "program": "Program", "account_class": "Account class",
            "revenue_source": "Revenue source"}
ANY = ""


class RuleDialog(QDialog):
    """`rule()` after exec(): the rule as edited. With `target_only`, kind, value and label stay."""

    def __init__(self, prepared, rule: Rule | None = None, parent=None, target_only: bool = False):
        super().__init__(parent)
        self.prepared = prepared
        self.base = rule or Rule("", Target(), "percent", 0.0)
        self.setWindowTitle("Change the rule's target" if target_only else "Add a rule")
        self.setMinimumWidth(460)
        form = QFormLayout()
        self.keys: dict[str, QComboBox] = {}
        for key, _vocab in VOCABS:
            box = QComboBox()
            box.setEditable(True)
            box.addItem(ANY)
            box.addItems(sorted(names_of(prepared, key), key=str.casefold))
            box.setCurrentText(getattr(self.base.target, key) or ANY)
            box.lineEdit().setPlaceholderText("any")
            box.setAccessibleName(KEY_TEXT[key])
            box.currentTextChanged.connect(self._changed)
            form.addRow(KEY_TEXT[key] + ":", box)
            self.keys[key] = box
        self.kind = QComboBox()
        self.kind.addItems(["percent", "amount", "fte"])
        self.kind.setCurrentText(self.base.kind)
        self.kind.setAccessibleName("Kind")
        self.value = QDoubleSpinBox()
        self.value.setRange(-1e12, 1e12)
        self.value.setDecimals(2)
        self.value.setValue(self.base.value)
        self.value.setAccessibleName("Value")
        self.label = QLineEdit(self.base.label)
        self.label.setPlaceholderText("a label (blank: made from the target and value)")
        self.label.setAccessibleName("Label")
        for w in (self.kind, self.value, self.label):
            w.setEnabled(not target_only)
        self.kind.currentTextChanged.connect(self._changed)
        self.value.valueChanged.connect(self._changed)
        form.addRow("Kind:", self.kind)
        form.addRow("Value:", self.value)
        form.addRow("Label:", self.label)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.problem)
        lay.addWidget(self.buttons)
        self._changed()

    def target(self) -> Target:
        return Target(**{k: (b.currentText().strip() or None) for k, b in self.keys.items()})

    def rule(self) -> Rule:
        target, kind, value = self.target(), self.kind.currentText(), float(self.value.value())
        label = self.label.text().strip()
        if not label or label == auto_label(self.base.target, self.base.kind, self.base.value):
            label = auto_label(target, kind, value)
        return Rule(label, target, kind, value, self.base.start, self.base.end)

    def _changed(self, *_args) -> None:
        problem = self.prepared.rule_problem(self.rule()) if self.prepared is not None else None
        self.problem.setText(f"<span style='color:#d55e00'>▼ This rule would be skipped: {problem}</span>"
                             if problem else "")
