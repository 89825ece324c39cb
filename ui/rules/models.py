"""The rules table's item model: the current scenario's rules in order, edits as undo steps through
the session."""

from __future__ import annotations

import math
import re

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush

from kcplanner.fiscal import parse_fiscal_year
from kcplanner.scenario import Rule

from ..common import fmt
from ..common.meaning import WORSE
from ..common.models import DISPLAY, LEFT, RAW_ROLE, RIGHT, ListTableModel
from .fixes import fix_for


class RulesModel(ListTableModel):
    """The current scenario's rules in order.  Label, value, start and end are editable; each
    edit is one undo step through the session."""

    HEADERS = ["#", "Label", "Target", "Kind", "Value", "Start", "End", "Problem"]
    HEADER_TIPS = {2: "which lines the rule changes; double-click to change it",
                   4: "percent points (percent), dollars a year (amount) or positions (fte)",
                   5: "first fiscal year of the rule (blank = the plan's first)",
                   6: "last fiscal year of the rule (blank = the plan's last)",
                   7: "why the rule is skipped, and the fix when a name is close to one in the data"}
    PROBLEM = 7
    EDITABLE = {1, 4, 5, 6}

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.rules: tuple[Rule, ...] = ()
        self.problems: dict[int, str] = {}
        self.notes: dict[int, str] = {}
        self.warn_icon = None
        self.note_icon = None
        self.fixes: dict[int, tuple] = {}  # row → (fixed rule, "use 'Police'")

    def set_scenario(self, scenario) -> None:
        if len(scenario.rules) != len(self.rules):
            self.beginResetModel()
            self.rules = scenario.rules
            self.endResetModel()
        else:
            self.rules = scenario.rules
            if self.rules:
                self.dataChanged.emit(self.index(0, 0), self.index(len(self.rules) - 1, len(self.HEADERS) - 1))

    def set_results(self, results) -> None:
        P = self.session.prepared
        rules = results.scenario.rules
        # the reason itself (the engine's message names the rule: the row already does)
        problems = {i: ((P.rule_problem(rules[i]) if P is not None and i < len(rules) else None) or m)
                    for i, m in results.invalid_rules}
        notes: dict[int, str] = {}
        for i, m in results.rule_notes:
            notes[i] = (notes[i] + "\n" + m) if i in notes else m
        fixes = {i: fix for i in problems if i < len(rules) and (fix := fix_for(P, rules[i])) is not None}
        if problems != self.problems or notes != self.notes or fixes != self.fixes:
            self.problems, self.notes, self.fixes = problems, notes, fixes
            if self.rules:
                self.dataChanged.emit(self.index(0, 0), self.index(len(self.rules) - 1, len(self.HEADERS) - 1))

    def problem_text(self, r: int) -> str:
        """`no line items of department 'Polce' — use 'Police'`, a note, or blank."""
        if r in self.problems:
            fix = self.fixes.get(r)
            if fix is None:
                return self.problems[r]
            return re.sub(r" \(did you mean '[^']*'\?\)", "", self.problems[r]) + f" — {fix[1]}"
        return ""

    def items(self) -> list:
        return self.rules

    def _year_text(self, year) -> str:
        if year is None:
            return ""
        P = self.session.prepared
        return P.label(year) if P is not None else f"FY{year}"

    def data(self, index, role=DISPLAY):
        if not index.isValid() or index.row() >= len(self.rules):
            return None
        r, c = index.row(), index.column()
        rule = self.rules[r]
        if role in (DISPLAY, Qt.ItemDataRole.EditRole):
            if c == 0:
                return str(r + 1)
            if c == 1:
                return rule.label
            if c == 2:
                return rule.target.describe()
            if c == 3:
                return rule.kind
            if c == 4:
                if role == Qt.ItemDataRole.EditRole:
                    return rule.value
                return (f"{rule.value:+g}%" if rule.kind == "percent" else
                        fmt.signed_money(rule.value) if rule.kind == "amount" else f"{rule.value:+g} FTE")
            if c == 5:
                return self._year_text(rule.start) if role == DISPLAY or rule.start else ""
            if c == 6:
                return self._year_text(rule.end) if role == DISPLAY or rule.end else ""
            if c == self.PROBLEM:
                return self.problem_text(r)
        if role == RAW_ROLE:
            return {0: r + 1, 1: rule.label, 2: rule.target.describe(), 3: rule.kind, 4: rule.value,
                    5: rule.start, 6: rule.end, 7: self.problem_text(r) or None}.get(c)
        if role == Qt.ItemDataRole.DecorationRole and c == 0:
            if r in self.problems:
                return self.warn_icon
            if r in self.notes:
                return self.note_icon
        if role == Qt.ItemDataRole.ToolTipRole:
            if r in self.problems:
                return "Invalid, skipped: " + self.problem_text(r) + (
                    " (double-click the Problem or press the button below to fix it)" if r in self.fixes else "")
            if r in self.notes:
                return self.notes[r]
            return f"{rule.label}: {rule.kind} {rule.value:g} on {rule.target.describe()}"
        if role == Qt.ItemDataRole.ForegroundRole and r in self.problems:
            return QBrush(WORSE)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT if c == 4 else LEFT
        return None

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        f = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() in self.EDITABLE:
            f |= Qt.ItemFlag.ItemIsEditable
        return f

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole):  # noqa: N802
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        r, c = index.row(), index.column()
        rule = self.rules[r]
        try:
            if c == 1:
                new = Rule(str(value), rule.target, rule.kind, rule.value, rule.start, rule.end)
            elif c == 4:
                v = float(str(value).replace("$", "").replace(",", "").replace("%", "").strip())
                if not math.isfinite(v):
                    return False
                new = rule.with_value(v)
            else:
                text = "" if value is None else str(value).strip()
                year = None if not text else parse_fiscal_year(text)
                if text and year is None:
                    return False
                start, end = (year, rule.end) if c == 5 else (rule.start, year)
                if start is not None and end is not None and start > end:
                    return False
                new = rule.with_years(start, end)
        except (TypeError, ValueError):
            return False
        if new == rule:
            return True
        scenario = self.session.scenario.replace_rule(r, new)
        self.session.edit_scenario(scenario, f"Edit rule {r + 1} ({self.HEADERS[c].lower()})")
        return True
