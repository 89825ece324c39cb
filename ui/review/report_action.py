"""Quarterly report… in the Review tab: the report of the period shown, as a workbook (.xlsx) or a PDF
(.pdf), the same report `kcplanner review --out / --pdf` writes.  It is written on the thread pool
(the content, then the file, atomically); the button says so while it runs and a message says where
it went, or why it could not be written."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QThreadPool
from PySide6.QtWidgets import QFileDialog, QMessageBox, QPushButton

from kcplanner.filenames import safe_file_name

from ..common import settings as st
from ..common.workers import JobTask


def write_report(review, dataset, path: str | Path, progress, cancelled) -> str:
    """The report of `review` to `path`: a workbook for .xlsx, a PDF for .pdf."""
    from kcplanner.review.report_data import report_data

    path = Path(path)
    progress(0.05, "Gathering the report's figures")
    data = report_data(review, dataset)
    if path.suffix.lower() == ".pdf":
        from .report_pdf import write_report_pdf

        write_report_pdf(data, path, progress=progress, cancelled=cancelled)
    else:
        from kcplanner.review.report_workbook import write_review_workbook

        progress(0.3, "Writing the workbook")
        write_review_workbook(data, path)
    return str(path)


class ReportAction(QObject):
    """The button and its worker; `panel.current` is the review shown."""

    def __init__(self, panel):
        super().__init__(panel)
        self.panel = panel
        self.task: JobTask | None = None
        self.button = QPushButton("Quarterly report…")
        self.button.setToolTip("Write the quarterly report of the period shown: a citywide summary, revenue "
                               "against estimate and a page per department, as a workbook or a PDF")
        self.button.clicked.connect(self.choose)

    def default_name(self) -> str:
        r = self.panel.current
        city = getattr(self.panel.session.dataset.plan.settings, "city", None) or "City"
        return safe_file_name(f"{city} quarterly review {r.through_label}", ".xlsx")

    def choose(self) -> None:
        if self.panel.current is None or self.task is not None:
            return
        start = Path(st.get_str(st.KEY_LAST_DIR, str(Path.home()))) / self.default_name()
        path, _ = QFileDialog.getSaveFileName(self.panel, "Save the quarterly report", str(start),
                                              "Workbook (*.xlsx);;PDF (*.pdf)")
        if path:
            if Path(path).suffix.lower() not in (".xlsx", ".pdf"):
                path += ".xlsx"
            self.write(path)

    def write(self, path: str) -> JobTask | None:
        """Start writing the report of the period shown to `path` (None while one is being written)."""
        r, ds = self.panel.current, self.panel.session.dataset
        if r is None or self.task is not None:
            return None
        task = self.task = JobTask(lambda progress, cancelled: write_report(r, ds, path, progress, cancelled))
        task.signals.finished.connect(self._done)
        task.signals.failed.connect(self._failed)
        task.signals.cancelled.connect(self._end)
        self.button.setEnabled(False)
        self.button.setText("Writing the report…")
        QThreadPool.globalInstance().start(task)
        return task

    def _end(self) -> None:
        self.task = None
        self.button.setEnabled(True)
        self.button.setText("Quarterly report…")

    def _done(self, path: str) -> None:
        self._end()
        st.set_value(st.KEY_LAST_DIR, str(Path(path).parent))
        window = self.panel.window()
        if hasattr(window, "statusBar"):
            window.statusBar().showMessage(f"Wrote the quarterly report {path}", 10000)

    def _failed(self, exc) -> None:
        self._end()
        QMessageBox.warning(self.panel, "Could not write the quarterly report", str(exc))
