"""The start page: what the central area shows while nothing is loaded, instead of empty charts.

Open workbooks…, Open folder…, Open project…, Open the sample city, the recent projects and
workbooks, and a place to drop workbooks, folders or a `.kcplan` project.  The page only emits what
was asked for (`openRequested`, `pathsDropped`); ui/start/controller.py does it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCommandLinkButton, QFrame, QGridLayout, QHBoxLayout, QLabel, QPushButton, QSizePolicy,
                               QVBoxLayout, QWidget)

PROJECT_SUFFIX = ".kcplan"
MAX_RECENT_SHOWN = 6


class DropZone(QFrame):
    """A dashed frame that takes dropped files and folders (local files only)."""

    dropped = Signal(list)  # [path, ...]

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("drop_zone")
        self.setAcceptDrops(True)
        self.setMinimumHeight(90)
        self.setAccessibleName("Drop files here")
        self.label = QLabel("Drop workbooks, a folder or a .kcplan project here")
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addWidget(self.label)
        self._hover(False)

    def _hover(self, on: bool) -> None:
        colour = "#1f5fa8" if on else "#9aa5b1"
        back = "#eaf1fa" if on else "transparent"
        self.setStyleSheet(f"#drop_zone {{ border: 2px dashed {colour}; border-radius: 8px; background: {back}; }}"
                           f"#drop_zone QLabel {{ color: #4a5560; font-size: 11pt; }}")

    @staticmethod
    def _paths(event) -> list[str]:
        mime = event.mimeData()
        if not mime.hasUrls():
            return []
        urls = mime.urls()
        if not urls or not all(u.isLocalFile() for u in urls):
            return []
        return [u.toLocalFile() for u in urls]

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if self._paths(event):
            event.acceptProposedAction()
            self._hover(True)

    def dragLeaveEvent(self, event) -> None:  # noqa: N802
        self._hover(False)
        super().dragLeaveEvent(event)

    def dropEvent(self, event) -> None:  # noqa: N802
        self._hover(False)
        paths = self._paths(event)
        if paths:
            event.acceptProposedAction()
            self.dropped.emit(paths)


class StartPage(QWidget):
    """Buttons to open data, the recent list and the drop zone; `set_recent` fills the list,
    `set_status` shows what is happening ("Reading workbooks…", an error's summary)."""

    #: "workbooks", "folder", "project", "sample", or ("recent_project", path) / ("recent_workbooks", index)
    openRequested = Signal(object)
    pathsDropped = Signal(list)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("start_page")
        title = QLabel("kcplanner")
        title.setObjectName("start_title")
        title.setStyleSheet("font-size: 22pt; font-weight: 600; color: #1f3b5c;")
        intro = QLabel("Open the plan workbook and the departments' budget workbooks, a folder of them, or a "
                       "project, to see the budget, the funds and the KPIs and to try scenarios.")
        intro.setWordWrap(True)
        intro.setStyleSheet("color: #4a5560;")

        self.buttons: dict[str, QPushButton] = {}
        start = QVBoxLayout()
        start.setSpacing(6)
        start.addWidget(self._heading("Start"))
        for key, text, tip in (
                ("workbooks", "Open workbooks…", "Choose the plan workbook and the budget workbooks (Ctrl+O)"),
                ("folder", "Open folder…", "Open every workbook in a folder; the plan is found by its sheets "
                                           "(Ctrl+Shift+O)"),
                ("project", "Open project…", "Open a .kcplan project: its data, scenarios and history"),
                ("sample", "Open the sample city", "The bundled sample city: a plan and 20 department budgets")):
            b = QPushButton(text)
            b.setObjectName(f"start_{key}")
            b.setToolTip(tip)
            b.setAccessibleName(text.rstrip("…"))
            b.setMinimumHeight(30)
            b.clicked.connect(lambda _c=False, k=key: self.openRequested.emit(k))
            self.buttons[key] = b
            start.addWidget(b)
        start.addStretch(1)

        recent = QVBoxLayout()
        recent.setSpacing(2)
        recent.addWidget(self._heading("Recent"))
        self.recent_box = QVBoxLayout()
        self.recent_box.setSpacing(2)
        recent.addLayout(self.recent_box)
        self.no_recent = QLabel("Nothing opened yet.")
        self.no_recent.setStyleSheet("color: #7a8590;")
        recent.addWidget(self.no_recent)
        recent.addStretch(1)
        self.recent_buttons: list[QCommandLinkButton] = []

        self.drop_zone = DropZone()
        self.drop_zone.dropped.connect(self.pathsDropped)
        self.status = QLabel("")
        self.status.setObjectName("start_status")
        self.status.setWordWrap(True)
        self.status.setStyleSheet("color: #1f5fa8;")

        body = QWidget()
        body.setMaximumWidth(880)
        body.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        grid = QGridLayout(body)
        grid.setHorizontalSpacing(36)
        grid.setVerticalSpacing(14)
        grid.addWidget(title, 0, 0, 1, 2)
        grid.addWidget(intro, 1, 0, 1, 2)
        grid.addLayout(start, 2, 0)
        grid.addLayout(recent, 2, 1)
        grid.setColumnStretch(0, 2)
        grid.setColumnStretch(1, 3)
        grid.addWidget(self.drop_zone, 3, 0, 1, 2)
        grid.addWidget(self.status, 4, 0, 1, 2)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 24, 24, 24)
        row = QHBoxLayout()  # centred, as wide as 880 px where there is room, narrower where there is not
        row.addStretch(1)
        row.addWidget(body, 8)
        row.addStretch(1)
        outer.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

    @staticmethod
    def _heading(text: str) -> QLabel:
        label = QLabel(text)
        label.setStyleSheet("font-size: 12pt; font-weight: 600; color: #1f3b5c;")
        return label

    def set_recent(self, projects: list[str], workbooks: list[tuple[str, str, str]]) -> None:
        """`projects`: recent .kcplan paths; `workbooks`: (label, folder, every file) of recent workbook sets."""
        for b in self.recent_buttons:
            self.recent_box.removeWidget(b)
            b.deleteLater()
        self.recent_buttons = []
        entries = [(Path(p).name, f"project in {Path(p).parent}", p, ("recent_project", p)) for p in projects]
        entries += [(label, f"workbooks in {folder}", tip, ("recent_workbooks", i))
                    for i, (label, folder, tip) in enumerate(workbooks)]
        for title, detail, tip, request in entries[:MAX_RECENT_SHOWN]:
            b = QCommandLinkButton(title, detail)
            b.setToolTip(tip)
            b.setAccessibleName(f"Open {title}")
            b.clicked.connect(lambda _c=False, r=request: self.openRequested.emit(r))
            self.recent_box.addWidget(b)
            self.recent_buttons.append(b)
        self.no_recent.setVisible(not self.recent_buttons)

    def set_status(self, text: str) -> None:
        self.status.setText(text)
