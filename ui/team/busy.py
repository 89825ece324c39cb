"""The small progress dialog of a team-mode job on the thread pool (an offline copy, bringing it
back, connecting again): window-modal and shown at once, because the job reads or writes the
scenarios the window shows — an edit made meanwhile would be saved over what the job brings."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressDialog, QWidget


def busy_dialog(parent: QWidget | None, title: str, text: str, cancel: str | None = None) -> QProgressDialog:
    """A busy bar (no known length); `cancel` is the Cancel button's text, None for none."""
    dlg = QProgressDialog(text, cancel or "", 0, 0, parent)
    if cancel is None:
        dlg.setCancelButton(None)
    dlg.setObjectName("team_busy")
    dlg.setWindowTitle(title)
    dlg.setWindowModality(Qt.WindowModality.WindowModal)
    dlg.setMinimumDuration(0)
    dlg.setAutoClose(False)
    dlg.setAutoReset(False)
    dlg.setMinimumWidth(420)
    dlg.show()
    return dlg


def close_busy(dlg: QProgressDialog | None) -> None:
    if dlg is not None:
        dlg.close()
        dlg.deleteLater()


__all__ = ["busy_dialog", "close_busy"]
