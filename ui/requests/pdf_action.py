"""The justification builder's "PDF for this request…" button: the one request's justification PDF,
with the narrative as it stands in the form (saved or not), written off the GUI thread.

The data is gathered on the GUI thread (kcplanner.justification.request_justification_data with
the builder's already projected effect: no engine run), the pages are painted on the global
QThreadPool (ui.common.workers.JobTask) and the file is written atomically.  A file that cannot be
written gets a message naming it; nothing else is changed.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QObject, QThreadPool, Signal
from PySide6.QtWidgets import QFileDialog, QLabel, QMessageBox, QPushButton

from kcplanner.atomic import OutputError
from kcplanner.justification import request_justification_data
from kcplanner.scenario import Scenario

from ..common import settings as st
from ..common.workers import JobTask


def pdf_file_name(request_id: str, title: str = "") -> str:
    """`REQ-POL-001 justification.pdf`: a name any file system takes (no separators, `..`, NUL)."""
    name = re.sub(r"[^\w\- .&]+", "_", str(request_id)).strip(" ._")[:80] or "request"
    return f"{name} justification.pdf"


class RequestPdfAction(QObject):
    """The button, a status label, and the running task (`task`, None when idle)."""

    finished = Signal(str)    # the path written
    failed = Signal(str)      # the message shown

    def __init__(self, builder):
        super().__init__(builder)
        self.builder = builder
        self.task: JobTask | None = None
        self.button = QPushButton("PDF for this request…")
        self.button.setToolTip("Write this request's justification as a PDF (the narrative as it stands in the "
                               "form; the department's PDF is under Requests > Export justifications)")
        self.button.clicked.connect(self.choose)
        self.status = QLabel()

    def scenario(self) -> Scenario:
        given = getattr(self.builder, "scenario", None)
        if given is None:
            session = getattr(self.builder.parent(), "session", None)
            given = getattr(session, "scenario", None)
        return given if given is not None else Scenario("")

    def choose(self) -> None:
        folder = st.get_str(st.KEY_LAST_DIR, str(Path.home()))
        default = str(Path(folder) / pdf_file_name(self.builder.request.request_id))
        path, _ = QFileDialog.getSaveFileName(self.builder, "PDF for this request", default, "PDF files (*.pdf)")
        if path:
            if not path.lower().endswith(".pdf"):
                path += ".pdf"
            st.set_value(st.KEY_LAST_DIR, str(Path(path).parent))
            self.write(path)

    def data(self) -> dict:
        b = self.builder
        return request_justification_data(b.prepared.dataset, b.prepared, self.scenario(), b.request.request_id,
                                          b.narrative(), b.effect)

    def write(self, path: str) -> JobTask | None:
        """Start writing the PDF to `path`; returns the task (None while one is running)."""
        if self.task is not None:
            return None
        from .pdf import write_justification_pdf

        data = self.data()

        def job(progress, cancelled):
            write_justification_pdf(data, path, progress=progress, cancelled=cancelled)
            return path
        task = JobTask(job)
        task.signals.finished.connect(self._done)
        task.signals.failed.connect(self._failed)
        task.signals.cancelled.connect(self._cancelled)
        self.task = task
        self.button.setEnabled(False)
        self.status.setText("Writing the PDF…")
        QThreadPool.globalInstance().start(task)
        return task

    def _end(self) -> None:
        self.task = None
        self.button.setEnabled(True)

    def _done(self, path: str) -> None:
        self._end()
        self.status.setText(f"Wrote {Path(path).name}")
        self.status.setToolTip(str(path))
        self.finished.emit(str(path))

    def _cancelled(self) -> None:
        self._end()
        self.status.setText("PDF cancelled; nothing was written.")

    def _failed(self, exc) -> None:
        self._end()
        if isinstance(exc, (OutputError, OSError)):
            text = str(exc)
        else:
            text = "The PDF could not be written; no file was changed."
        self.status.setText("The PDF was not written.")
        box = QMessageBox(QMessageBox.Icon.Warning, "PDF for this request", text, QMessageBox.StandardButton.Close,
                          self.builder)
        if not isinstance(exc, (OutputError, OSError)):
            box.setDetailedText(getattr(exc, "details", "") or repr(exc))
        box.open()
        self.failed.emit(text)


__all__ = ["RequestPdfAction", "pdf_file_name"]
