"""The requests workflow as a tab of the window while a shared project is open: "My requests" for a
department manager, "Review queue" for OMB, "Requests workflow" for a viewer (ui/team/workflow).
The tab comes and goes with the shared project; others' changes reach it through `window.team`."""

from __future__ import annotations

from PySide6.QtCore import QObject

TITLES = {"department_manager": "My requests", "omb_analyst": "Review queue", "viewer": "Requests workflow"}


def tab_title(role: str) -> str:
    return TITLES.get(role, "Requests workflow")


class WorkflowTab(QObject):
    """Adds the panel as the last tab when a shared project opens, removes it when it closes.  Last,
    so the other tabs keep their places (View > Ctrl+1…0 and the saved tab are by position)."""

    def __init__(self, window, team):
        super().__init__(team)
        self.window = window
        self.team = team
        self.panel = None   # TeamRequestsPanel (ui/team/workflow/panel.py), while a shared project is open
        team.changes_arrived.connect(self._changed)
        team.reloaded.connect(lambda: self._changed(None))

    def show_for(self, project) -> None:
        """The project the window now holds (None: a file, or nothing): the tab follows it."""
        if self.panel is not None and self.panel.project is project:
            return
        self._remove()
        if project is None:
            return
        from .workflow.panel import TeamRequestsPanel   # psycopg: imported when a shared project opens

        self.panel = TeamRequestsPanel(project, self.window)
        self.panel.setObjectName("team_requests_panel")
        self.window.tabs.addTab(self.panel, tab_title(project.role))
        self.panel.refresh()

    def _remove(self) -> None:
        if self.panel is None:
            return
        tabs = self.window.tabs
        index = tabs.indexOf(self.panel)
        if index >= 0:
            tabs.removeTab(index)
        self.panel.deleteLater()
        self.panel = None

    def _changed(self, change) -> None:
        if self.panel is not None:
            self.panel.on_change(change)
