"""The workflow's dialogs: the reason for returning requests (refused while empty), the optimizer's
proposal shown before it is applied, a request's fields while it is a Draft, and the connection
lost with Retry."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QHeaderView,
                               QLabel, QLineEdit, QMessageBox, QPlainTextEdit, QTableWidget, QTableWidgetItem,
                               QVBoxLayout)

from kcplanner.project.errors import ProjectError


class ReasonDialog(QDialog):
    """"Return to the department": the reason is required (the database refuses a return without
    one), so OK stays off while the text is blank and an empty reason is never sent."""

    def __init__(self, request_ids: list[str], parent=None):
        super().__init__(parent)
        self.setWindowTitle("Return to the department")
        self.resize(460, 240)
        n = len(request_ids)
        shown = ", ".join(request_ids[:6]) + (f" and {n - 6} more" if n > 6 else "")
        self.heading = QLabel(f"Return {shown} to {'its' if n == 1 else 'their'} department. Say why: the "
                              "department sees this comment with the request.")
        self.heading.setWordWrap(True)
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText("The reason (required)")
        self.hint = QLabel("")
        self.hint.setStyleSheet("color: #b3261e")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Return")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.text.textChanged.connect(self._update)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.text)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)
        self._update()

    def reason(self) -> str:
        return self.text.toPlainText().strip()

    def _update(self) -> None:
        ok = bool(self.reason())
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)
        self.hint.setText("" if ok else "A returned request needs a reason.")

    def accept(self) -> None:
        if not self.reason():   # Enter with a blank reason: refused, the dialog stays
            self.hint.setText("A returned request needs a reason.")
            return
        super().accept()


class ProposalDialog(QDialog):
    """The moves the optimizer's proposal makes (each request Under review → Recommended or Not
    recommended), for OMB to confirm before any is made; an optional comment goes with each."""

    def __init__(self, scenario_names: list[str], chosen: str | None, moves_for, parent=None):
        """`moves_for(name)` → the ProposedMoves of that scenario (read on demand)."""
        super().__init__(parent)
        self.setWindowTitle("Start from the optimizer's proposal")
        self.resize(720, 480)
        self.moves_for = moves_for
        self.moves: list = []
        self.scenario = QComboBox()
        self.scenario.addItems(scenario_names)
        if chosen in scenario_names:
            self.scenario.setCurrentText(chosen)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["Department", "Request", "Rank", "Now", "Becomes"])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.comment = QLineEdit()
        self.comment.setPlaceholderText("Comment recorded with each move (optional)")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Apply these moves")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Proposed scenario", self.scenario)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.table)
        layout.addWidget(self.comment)
        layout.addWidget(self.buttons)
        self.scenario.currentTextChanged.connect(self._load)
        self._load(self.scenario.currentText())

    def _load(self, name: str) -> None:
        try:
            self.moves = list(self.moves_for(name)) if name else []
        except ProjectError as exc:   # the server went away, or the scenario was deleted meanwhile
            self.moves = []
            self.table.setRowCount(0)
            self.summary.setText(str(exc))
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
            return
        self.table.setRowCount(len(self.moves))
        for i, m in enumerate(self.moves):
            rank = "" if m.rank is None else f"{m.rank:g}"
            for c, text in enumerate([m.department, m.request_id, rank, "Under review", m.to_status]):
                item = QTableWidgetItem(text)
                if c == 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(i, c, item)
        rec = sum(m.to_status == "Recommended" for m in self.moves)
        if self.moves:
            self.summary.setText(f"Scenario '{name}' funds {rec} of the {len(self.moves)} requests under review: "
                                 f"{rec} become Recommended, {len(self.moves) - rec} Not recommended. Nothing is "
                                 "moved until you apply; a request someone moved or changed meanwhile is left as "
                                 "it is and reported.")
        else:
            self.summary.setText("No request is Under review: start the review of the submitted requests first."
                                 if name else "The project has no scenario to take the proposal from.")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.moves))


class EditRequestDialog(QDialog):
    """A Draft request's fields the department writes (title, program, justification, rank, FTE)."""

    FIELDS = ("title", "program", "justification", "rank", "fte")

    def __init__(self, request: dict, parent=None):
        super().__init__(parent)
        self.request = request
        self.setWindowTitle(f"Edit request {request['request_id']}")
        self.resize(520, 360)
        self.title = QLineEdit(request.get("title") or "")
        self.program = QLineEdit(request.get("program") or "")
        self.justification = QPlainTextEdit(request.get("justification") or "")
        self.rank = QDoubleSpinBox()
        self.rank.setRange(0, 100000)
        self.rank.setDecimals(0)
        self.rank.setSpecialValueText("(none)")
        self.rank.setValue(request.get("rank") or 0)
        self.fte = QDoubleSpinBox()
        self.fte.setRange(0, 10000)
        self.fte.setDecimals(2)
        self.fte.setValue(request.get("fte") or 0)
        form = QFormLayout(self)
        form.addRow("Department", QLabel(str(request.get("department"))))
        form.addRow("Title", self.title)
        form.addRow("Program", self.program)
        form.addRow("Justification", self.justification)
        form.addRow("Rank", self.rank)
        form.addRow("FTE", self.fte)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def changes(self) -> dict:
        """The fields changed (only those: the save is over the version read)."""
        values = {"title": self.title.text().strip() or None, "program": self.program.text().strip() or None,
                  "justification": self.justification.toPlainText().strip() or None,
                  "rank": self.rank.value() or None, "fte": self.fte.value() or None}
        old = {f: self.request.get(f) for f in self.FIELDS}
        return {f: v for f, v in values.items() if v != old[f] and not (v is None and old[f] in ("", None))}


def connection_lost(parent, text: str) -> bool:
    """The connection's loss in words, with Retry; True when the user wants to retry."""
    box = QMessageBox(QMessageBox.Icon.Warning, "Connection lost", text,
                      QMessageBox.StandardButton.Retry | QMessageBox.StandardButton.Cancel, parent)
    box.setDefaultButton(QMessageBox.StandardButton.Retry)
    return box.exec() == QMessageBox.StandardButton.Retry


__all__ = ["ReasonDialog", "ProposalDialog", "EditRequestDialog", "connection_lost"]
