"""The mapping dialog's amount checks: each candidate amount column's total side by side, and the
questions asked before OK.

- `CandidateTotals`: a small table of every numeric column that could be the amount, its total over
  the whole sheet and how many numbers it holds, the chosen ones marked, running totals and
  subtotals marked as not amounts, and the total of the budget loaded now (the previous import).
- `nothing_imported(part)`: why OK is refused (0 of N rows would import), or None.
- `confirm_total(parent, …)`: a QMessageBox the user may accept or cancel, shown when a chosen
  total is more than 10 times every other candidate's or the previous import's
  (`kcplanner.readers.amount_checks.total_warning`).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QMessageBox, QTableWidget, QTableWidgetItem

from kcplanner.readers.amount_checks import Candidate, money, total_warning

from ..common import table_copy

RED = QColor("#b3261e")


def previous_total(dataset) -> float | None:
    """The total of the budget loaded now: its largest year-and-phase sum of line-item amounts."""
    if dataset is None:
        return None
    amounts = dataset.budget.amounts
    if amounts is None or not len(amounts.columns):
        return None
    sums = amounts.sum(axis=0, min_count=1).abs()
    return float(sums.max()) if sums.notna().any() else None


def imported_total(part) -> float | None:
    """The largest year-and-phase total the mapping imports (line items, else revenue)."""
    if part is None or part.rows is None:
        return None
    tot = part.totals()
    if not len(tot):
        return None
    li = tot[tot["table"] == "line_items"]
    return float((li if len(li) else tot)["total"].abs().max())


class CandidateTotals(QTableWidget):
    """Column | total (whole sheet) | numbers | note, one row per candidate amount column."""

    def __init__(self, parent=None):
        super().__init__(0, 4, parent)
        self.setHorizontalHeaderLabels(["Candidate amount column", "Total (whole sheet)", "Numbers", "Note"])
        self.horizontalHeader().setStretchLastSection(True)
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setColumnWidth(0, 200)
        self.setColumnWidth(1, 150)
        self.setColumnWidth(2, 70)
        self.setWordWrap(False)
        self.verticalHeader().setDefaultSectionSize(22)
        table_copy.install(self, "candidate-totals")
        self.candidates: list[Candidate] = []

    def show_candidates(self, candidates: list[Candidate], chosen: list[str], previous: float | None) -> None:
        self.candidates = list(candidates)
        rows = [(c.column, money(c.total), f"{c.count:,}",
                 ("not an amount: " + c.derived) if c.derived else ("chosen" if c.column in chosen else ""),
                 c.column in chosen, bool(c.derived)) for c in candidates]
        if previous is not None:
            rows.append(("(the budget loaded now)", money(previous), "", "the previous import's total", False, False))
        if not candidates:
            rows.insert(0, ("(no numeric column)", "", "", "", False, False))
        self.setRowCount(len(rows))
        bold = QFont(self.font())
        bold.setBold(True)
        for r, (col, total, n, note, is_chosen, derived) in enumerate(rows):
            for c, text in enumerate((col, total, n, note)):
                item = QTableWidgetItem(text)
                if c in (1, 2):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if is_chosen:
                    item.setFont(bold)
                if derived:
                    item.setForeground(QBrush(RED))
                item.setToolTip(note or col)
                self.setItem(r, c, item)
        frame = 2 * self.frameWidth() + self.horizontalHeader().height()
        self.setFixedHeight(frame + 22 * min(len(rows), 5) + 2)

    def text_rows(self) -> list[list[str]]:
        """What the table shows, row by row (for tests and screen readers)."""
        return [[self.item(r, c).text() if self.item(r, c) else "" for c in range(self.columnCount())]
                for r in range(self.rowCount())]


def nothing_imported(part, report) -> str | None:
    """Why OK must be refused: no rows would import (with the reasons), or None."""
    if part is None or part.rows is None:
        first = report.errors[0].message if report is not None and report.errors else "the mapping reads no rows"
        return f"No rows would be imported: {first}"
    c = part.count
    if c.imported > 0:
        return None
    reasons = ", ".join(f"{n:,} {why}" for why, n in sorted(c.excluded.items())) if c.excluded else ""
    return (f"0 of {c.read:,} rows would be imported" + (f" ({reasons})" if reasons else "")
            + ": choose the columns that hold the amounts, the year and the phase, or change the row filter.")


def confirm_total(parent, chosen: list[str], candidates: list[Candidate], imported: float | None,
                  previous: float | None) -> bool:
    """True to go on loading: no suspicious total, or the user chose to load it anyway."""
    text = total_warning(chosen, candidates, imported, previous)
    if text is None:
        return True
    answer = QMessageBox.warning(parent, "Check the amount column", text + "\n\nLoad it anyway?",
                                 QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                                 QMessageBox.StandardButton.Cancel)
    return answer == QMessageBox.StandardButton.Yes
