"""The report of a team-mode job (an offline copy taken, one brought back, a re-import): a heading,
the details as a list, and Close.  Wider than a message box, so lists of scenarios and requests
read on one line each; a long list scrolls."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QScrollArea, QVBoxLayout, QWidget


def _h(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class TeamReport(QDialog):
    """`heading` is rich text; `details` are plain lines (shown as a bulleted list)."""

    def __init__(self, parent: QWidget | None, title: str, heading: str, details: list[str], name: str):
        super().__init__(parent)
        self.setObjectName(name)
        self.setWindowTitle(title)
        self.heading = QLabel(heading)
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details_lines = list(details)
        self.details = QLabel("<ul style='margin-left:-20px'>" + "".join(f"<li>{_h(d)}</li>" for d in details)
                              + "</ul>" if details else "")
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.details)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.heading)
        lay.addWidget(scroll, 1)
        lay.addWidget(buttons)
        self.setMinimumWidth(640)
        lines = sum(1 + len(d) // 90 for d in details)
        self.resize(680, min(560, 110 + 20 * lines))

    def text(self) -> str:
        return self.heading.text()

    def informativeText(self) -> str:  # noqa: N802 - as QMessageBox's, for the tests
        return "\n".join(self.details_lines)


__all__ = ["TeamReport"]
