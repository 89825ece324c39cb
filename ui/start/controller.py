"""The start page in the window: shown in place of the tabs while nothing is loaded, its buttons
wired to the features that open data, and the scenario actions off until there is data to act on.

Installed from ui/features.py after the features whose actions it uses (workbooks, project file,
scenario files, exports, publish).  The window's central area is a stack (`window.center`): the
tabs, and this page; the page goes as soon as a load replaces the data (`dataReplaced`), before the
panels hear of it, so the tab on screen draws the new data at once.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction

from ..common import settings as st
from .page import PROJECT_SUFFIX, StartPage

#: (feature, action) of other features that act on a scenario or its results: off until data loads
SCENARIO_ACTIONS = (("scenario_files", "open_scenario_action"), ("scenario_files", "save_action"),
                    ("scenario_files", "save_scenario_as_action"), ("exports", "export_scenario_action"),
                    ("exports", "export_comparison_action"), ("exports", "write_back_action"),
                    ("publisher", "publish_action"))


def open_dropped(window, paths: list[str]) -> None:
    """Dropped files: a `.kcplan` opens as a project (the first one, if several), anything else
    as workbooks and folders."""
    projects = [p for p in paths if Path(p).suffix.lower() == PROJECT_SUFFIX]
    if projects:
        if len(projects) > 1 or len(projects) < len(paths):
            window.statusBar().showMessage(f"Opening the project {Path(projects[0]).name}; "
                                           "the other files dropped were left alone", 10000)
        window.project_controller.open_project(projects[0])
    elif paths:
        window.open_paths(paths)


class StartController(QObject):
    """Shows the start page or the tabs, and enables the scenario actions, after the session's data."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.session = window.session
        self.page = StartPage()
        window.center.addWidget(self.page)
        self.page.openRequested.connect(self.open)
        self.page.pathsDropped.connect(lambda paths: open_dropped(window, paths))
        window.statusBar().messageChanged.connect(self.page.set_status)
        self.session.dataReplaced.connect(lambda _why: self.sync())
        self.session.datasetChanged.connect(self.sync)
        self.scenario_actions = self._scenario_actions()
        self.sync()

    def _scenario_actions(self) -> list[QAction]:
        menu = self.window.menu("Scenario")
        actions = [a for a in menu.actions() if not a.isSeparator() and a.menu() is None]
        for feature, name in SCENARIO_ACTIONS:
            a = getattr(getattr(self.window, feature, None), name, None)
            if isinstance(a, QAction) and a not in actions:
                actions.append(a)
        return actions

    @property
    def showing(self) -> bool:
        return self.window.center.currentWidget() is self.page

    def sync(self) -> None:
        """The start page while nothing is loaded, else the tabs; scenario actions follow."""
        loaded = self.session.loaded
        if loaded:
            self.window.center.setCurrentWidget(self.window.tabs)
        else:
            self.refresh_recent()
            self.window.center.setCurrentWidget(self.page)
        for a in self.scenario_actions:
            a.setEnabled(loaded)
        self.window.scenario_list.setEnabled(loaded)

    def refresh_recent(self) -> None:
        from ..project.recent import recent_project_files

        projects = [p for p in recent_project_files() if Path(p).is_file()]
        self._recent_workbooks = [p for p in st.recent_projects() if p.exists()]
        workbooks = []
        for p in self._recent_workbooks:
            files = ([p.plan] if p.plan else []) + list(p.budgets)
            folders = sorted({str(Path(f).parent) for f in files})
            workbooks.append((p.label, folders[0] if len(folders) == 1 else f"{len(folders)} folders",
                              "\n".join(files)))
        self.page.set_recent(projects, workbooks)

    def open(self, request) -> None:
        """A start page button: the same as the File menu's action."""
        w = self.window
        if request == "workbooks":
            w.workbooks.open_action.trigger()
        elif request == "folder":
            w.workbooks.open_folder_action.trigger()
        elif request == "project":
            w.project_controller.open_action.trigger()
        elif request == "sample":
            w.workbooks.sample_action.trigger()
        elif isinstance(request, tuple) and request[0] == "recent_project":
            w.project_controller.open_project(request[1])
        elif isinstance(request, tuple) and request[0] == "recent_workbooks":
            w.workbooks.open_project(self._recent_workbooks[request[1]])
