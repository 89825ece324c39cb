"""Export justification…: the dialog that picks departments and a folder, and the worker task
that writes each department's justification workbook (and PDF) off the GUI thread."""

from __future__ import annotations

import traceback
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QFileDialog, QHBoxLayout, QLabel, QLineEdit,
                               QListWidget, QListWidgetItem, QPushButton, QVBoxLayout)

from kcplanner.engine import Prepared
from kcplanner.justification import JustificationNarrative, justification_data, write_justification_workbook

from ..common import access
from ..common.workers import CancellableTask


def safe_file_name(text: str) -> str:
    from kcplanner.filenames import safe_file_name as safe  # one rule for every name made a file name
    return safe(text, fallback="department", max_bytes=100)  # room for " justification.xlsx"


class ExportSignals(QObject):
    progress = Signal(float, str)
    finished = Signal(list)   # written paths
    failed = Signal(str)
    cancelled = Signal()


class JustificationExportTask(CancellableTask):
    """Write each department's justification workbook (.xlsx) and PDF into a folder.  Runs the
    plain kcplanner functions; never touches a widget; reports through `signals`."""

    def __init__(self, prepared: Prepared, scenario, departments: list[str], folder: str | Path,
                 narratives: dict[str, JustificationNarrative] | None = None, pdf: bool = True):
        super().__init__(ExportSignals())
        self.prepared = prepared
        self.scenario = scenario
        self.departments = list(departments)
        self.folder = Path(folder)
        self.narratives = dict(narratives or {})
        self.pdf = pdf
        self.written: list[str] = []

    def run(self) -> None:
        try:
            from .pdf import write_justification_pdf

            P = self.prepared
            n = max(len(self.departments), 1)
            steps = 3 if self.pdf else 2
            for k, dept in enumerate(self.departments):
                if self._cancel.is_set():
                    self.signals.cancelled.emit()
                    return
                # The suffix is appended, never swapped: "St. Services" must not become "St.xlsx".
                book = self.folder / f"{safe_file_name(dept)} justification.xlsx"
                pdf = book.with_name(book.stem + ".pdf")
                self.signals.progress.emit((k * steps) / (n * steps), f"{dept}: projecting each request's effect")
                data = justification_data(P.dataset, P, self.scenario, dept, self.narratives)
                self.signals.progress.emit((k * steps + 1) / (n * steps), f"{dept}: writing the workbook")
                write_justification_workbook(data, book)
                self.written.append(str(book))
                if self.pdf:
                    self.signals.progress.emit((k * steps + 2) / (n * steps), f"{dept}: writing the PDF")
                    write_justification_pdf(data, pdf)
                    self.written.append(str(pdf))
            self.signals.progress.emit(1.0, "Done")
            self.signals.finished.emit(list(self.written))
        except Exception:  # noqa: BLE001 - shown to the user, never lost
            self.signals.failed.emit(traceback.format_exc())


class ExportDialog(QDialog):
    """Which departments' justifications to export, and where."""

    def __init__(self, departments: list[str], selected: list[str], folder: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Export justifications")
        self.list = access.name(QListWidget(), "Departments")
        for d in departments:
            it = QListWidgetItem(d)
            it.setFlags(it.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            it.setCheckState(Qt.CheckState.Checked if d in selected else Qt.CheckState.Unchecked)
            self.list.addItem(it)
        all_box = QCheckBox("All departments")
        all_box.toggled.connect(self._check_all)
        self.folder = QLineEdit(folder)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        self.pdf = QCheckBox("Also write a PDF for the council packet")
        self.pdf.setChecked(True)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        intro = QLabel("One workbook (and PDF) per department: its requests in rank order, each with its costs, "
                       "positions, narrative, fund effect and KPI effect on the current scenario.")
        intro.setWordWrap(True)
        lay.addWidget(intro)
        lay.addWidget(all_box)
        lay.addWidget(self.list, 1)
        lay.addWidget(access.label_for("&Folder", self.folder))
        lay.addLayout(row)
        lay.addWidget(self.pdf)
        lay.addWidget(buttons)
        self.resize(480, 520)

    def _check_all(self, on: bool) -> None:
        for i in range(self.list.count()):
            self.list.item(i).setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def _browse(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Export justifications to", self.folder.text())
        if path:
            self.folder.setText(path)

    def departments(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())
                if self.list.item(i).checkState() == Qt.CheckState.Checked]


__all__ = ["JustificationExportTask", "ExportDialog", "ExportSignals", "safe_file_name"]
