"""The progress dialog of a job on the thread pool (an export, a published site): non-modal, so the
window stays usable; shown only when the job outlasts `PROGRESS_DELAY_MS`; Cancel asks the job to
stop; the job's `progress(fraction, text)` signal moves it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressDialog, QWidget

PROGRESS_DELAY_MS = 500  # a job shorter than this shows no progress dialog


def job_progress(parent: QWidget, label: str, title: str, task) -> QProgressDialog:
    """A dialog following `task` (a workers.JobTask), already connected to it."""
    dlg = QProgressDialog(label, "Cancel", 0, 1000, parent)
    dlg.setWindowTitle(title)
    dlg.setMinimumDuration(PROGRESS_DELAY_MS)
    dlg.setWindowModality(Qt.WindowModality.NonModal)  # the window stays usable meanwhile
    dlg.setAutoClose(False)
    dlg.setAutoReset(False)
    dlg.canceled.connect(task.cancel)
    dlg.setValue(0)
    task.signals.progress.connect(lambda f, t: (dlg.setLabelText(t), dlg.setValue(int(f * 1000))))
    return dlg


def close_progress(dlg: QProgressDialog | None) -> None:
    """Close and delete a dialog of `job_progress` (None: nothing to do)."""
    if dlg is not None:
        dlg.canceled.disconnect()
        dlg.close()
        dlg.deleteLater()
