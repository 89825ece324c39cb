"""Read-only controls where the login's role cannot write (docs/team-mode.md): a viewer changes
nothing; a department manager changes its department's requests but no scenario (scenarios are
OMB's).  The database refuses such changes anyway; the window does not offer them.

Two layers: the undo stack's guard refuses a command before it is done (whatever widget made it,
with a status-bar message), and `ControlHold` disables the controls that would make one (each with a
tooltip that says why), keeping them disabled when their panel would enable them again.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractItemView, QWidget

from kcplanner.project import is_shared

from ..session import StateCommand
from ..stories.book import StoriesCommand


def viewer_reason(project) -> str:
    return f"{project.user} is a viewer: nothing can be changed in this shared project"


def manager_reason(project) -> str:
    return ("Scenarios are OMB's: a department manager changes only its department's requests "
            f"({', '.join(project.departments) or 'no department'})")


STORIES_REASON = "Stories are kept in project files (.kcplan), not in a shared project"


def refusal(project, command) -> str | None:
    """Why `command` may not be done in `project` (None: it may)."""
    if project is None or project.closed or not is_shared(project):
        return None
    if project.read_only or getattr(project, "role", "") == "viewer":
        return viewer_reason(project)
    if isinstance(command, StoriesCommand):
        return STORIES_REASON
    if getattr(project, "role", "") == "department_manager" and isinstance(command, StateCommand):
        return manager_reason(project)
    return None


class ControlHold(QObject):
    """Controls held disabled (with a tooltip saying why) until `release()`."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._widgets: dict[QWidget, str] = {}      # widget → its own tooltip
        self._actions: dict[QAction, tuple[str, bool]] = {}  # action → (tooltip, enabled) before
        self._views: dict[QAbstractItemView, object] = {}   # view → its edit triggers

    @property
    def held(self) -> list:
        return [*self._widgets, *self._actions, *self._views]

    def widget(self, w: QWidget | None, reason: str) -> None:
        if w is None or w in self._widgets:
            return
        self._widgets[w] = w.toolTip()
        w.setToolTip(reason)
        w.setEnabled(False)
        w.installEventFilter(self)

    def action(self, a: QAction | None, reason: str) -> None:
        if a is None or a in self._actions:
            return
        self._actions[a] = (a.toolTip(), a.isEnabled())
        a.setToolTip(reason)
        a.setStatusTip(reason)
        a.setEnabled(False)
        a.changed.connect(self._action_changed)

    def view(self, v: QAbstractItemView | None, reason: str) -> None:
        if v is None or v in self._views:
            return
        self._views[v] = v.editTriggers()
        v.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)

    def _action_changed(self) -> None:
        for a in self._actions:
            if a.isEnabled():
                a.setEnabled(False)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.EnabledChange and obj in self._widgets and obj.isEnabled():
            obj.setEnabled(False)  # the panel enabled it again (e.g. a row selected): still held
        return False

    def release(self) -> None:
        for w, tip in self._widgets.items():
            w.removeEventFilter(self)
            w.setToolTip(tip)
            w.setEnabled(True)
        for a, (tip, enabled) in self._actions.items():
            a.changed.disconnect(self._action_changed)
            a.setToolTip(tip)
            a.setStatusTip(tip)
            a.setEnabled(enabled)
        for v, triggers in self._views.items():
            v.setEditTriggers(triggers)
        self._widgets, self._actions, self._views = {}, {}, {}


SCENARIO_MENU = ("New scenario", "Duplicate scenario", "Rename scenario", "Delete scenario")
SCENARIO_BUTTONS = ("New", "Duplicate", "Rename", "Delete", "Open…")
REQUEST_EDITS = ("new", "edit", "duplicate", "delete", "justify")


def hold_for_role(hold: ControlHold, window, project) -> None:
    """Disable what the role of `project`'s login cannot change."""
    viewer = project.read_only or getattr(project, "role", "") == "viewer"
    manager = getattr(project, "role", "") == "department_manager"
    if not (viewer or manager):
        return
    reason = viewer_reason(project) if viewer else manager_reason(project)
    # the scenario editors: the Scenario menu, the scenario list, the Allocations strip, the Rules table
    for a in window.menu("Scenario").actions():
        if a.text().replace("&", "") in SCENARIO_MENU:
            hold.action(a, reason)
    hold.action(getattr(window, "open_scenario_action", None), reason)
    scenario_list = getattr(window, "scenario_list", None)
    if scenario_list is not None:
        for name in SCENARIO_BUTTONS:
            hold.widget(scenario_list.buttons.get(name), reason)
        hold.view(scenario_list.view, reason)
    allocations = getattr(window, "allocations", None)
    if allocations is not None:
        hold.widget(allocations.slider.parentWidget(), reason)  # the "Change the selected rows" strip
    rules = getattr(window, "rules", None)
    if rules is not None:
        hold.view(rules.view, reason)
        for w in (rules.delete, rules.up, rules.down):
            hold.widget(w, reason)
    requests = getattr(window, "requests", None)
    if requests is not None and hasattr(requests, "actions"):
        hold.action(requests.actions.get("optimize"), reason)  # it proposes a scenario
        hold.widget(getattr(requests, "buttons", {}).get("optimize"), reason)
        if viewer:
            for key in REQUEST_EDITS:
                hold.action(requests.actions.get(key), reason)
                hold.widget(requests.buttons.get(key), reason)


__all__ = ["refusal", "ControlHold", "hold_for_role", "viewer_reason", "manager_reason", "STORIES_REASON"]
