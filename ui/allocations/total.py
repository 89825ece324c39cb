"""The allocation tree's total row and filter.

- `TotalRow`: a one-row table pinned under the tree (always in view, however far the tree scrolls)
  whose columns follow the tree's widths and horizontal scroll: Total, baseline, scenario, change
  of the selected year, summed over the top-level rows, or over the rows the filter matches.
- `filter_tree(tree, model, text)`: shows the rows whose name contains the text, with their parents
  (for context) and their children; returns the matching rows that have no matching parent (what
  the total sums, so nothing is counted twice).
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from ..common import fmt, table_copy
from ..common.models import TableModel, name_key


def _change(v: float) -> str:
    return fmt.signed_money(v) if abs(v) > 0.5 else ""


class TotalRow(QTableView):
    """The total under the tree (see the module docstring)."""

    def __init__(self, tree, parent=None):
        super().__init__(parent)
        self.tree = tree
        self.model_ = TableModel(["Name", "Baseline", "Scenario", "Change $", "Change %", "Rule"],
                                 [None, fmt.money, fmt.money, _change,
                                  lambda v: fmt.percent(v, 1, signed=True) if v == v and abs(v) > 5e-7 else "", None],
                                 [False, True, True, True, True, False], self)
        self.setModel(self.model_)
        self.horizontalHeader().hide()
        self.verticalHeader().hide()
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setAccessibleName("Total of the allocations")
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        font = QFont(self.font())
        font.setBold(True)
        self.setFont(font)
        self.setFixedHeight(self.verticalHeader().defaultSectionSize() + 4)
        table_copy.install(self, "allocations-total")
        header = tree.header()
        header.sectionResized.connect(lambda c, _old, new: self.setColumnWidth(c, new))
        tree.horizontalScrollBar().valueChanged.connect(self.horizontalScrollBar().setValue)
        self.sync_widths()

    def sync_widths(self) -> None:
        header = self.tree.header()
        for c in range(self.model_.columnCount()):
            self.setColumnWidth(c, header.sectionSize(c))

    def set_total(self, label: str, base: float, scen: float) -> None:
        d = scen - base
        self.model_.set_rows([(label, base, scen, d, d / base if base else float("nan"), "")])


def filter_tree(tree, model, text: str) -> list:
    """Hide the rows that neither match `text` nor lead to or sit under a match; return the matched
    rows that have no matched parent (all top-level rows when `text` is empty)."""
    needle = name_key(text) if text.strip() else ""
    tops: list = []

    def walk(nodes, parent: QModelIndex, shown_by_parent: bool) -> bool:
        any_shown = False
        for node in nodes:
            hit = bool(needle) and needle in name_key(node.name)
            if hit and not shown_by_parent:
                tops.append(node)
            index = model.createIndex(node.row, 0, node)
            below = walk(node.children, index, shown_by_parent or hit) if node.children else False
            shown = not needle or shown_by_parent or hit or below
            tree.setRowHidden(node.row, parent, not shown)
            if needle and below and not tree.isExpanded(index):
                tree.expand(index)
            any_shown |= shown
        return any_shown

    walk(model.roots, QModelIndex(), False)
    return list(model.roots) if not needle else tops
