"""Team mode in the window (docs/team-mode.md): File > Open Shared Project…, who is signed in (the
status bar), the controls the role cannot use (held disabled), others' changes as they happen, and
the conflict and lost-connection questions when a save is refused.

The project itself is the project controller's (ui/project/): a shared project opens there
(`open_project(url)`), autosave writes every edit to it as to a file, and it hands a refused save
here (`save_refused`).  This controller adds what only a shared project has.

    window.team.changes_arrived.connect(slot)   # slot(change: kcplanner.project.postgres.Change), GUI thread

`changes_arrived` is emitted for every change committed on the server by anyone (this window
included; `change.user` is the login) as it arrives; the window's own refresh follows (the
scenarios 100 ms later, coalesced); `reloaded` after the data (requests, positions, OMB's tables)
were read again.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction

from kcplanner.project import ProjectError, is_shared

from ..common import settings as st
from ..common.workers import JobTask
from .conflict import connection_lost, resolve_conflict
from .connect import KEY_LAST_SHARED, ConnectionDialog, store_in_keyring, with_keyring_password
from .listener import ChangeBridge
from .offline import OfflineActions
from .readonly import ControlHold, hold_for_role, refusal
from .reconnect import Reconnect
from .reimport import SharedReimport
from .status import RoleLabel, role_notice
from .workflow_tab import WorkflowTab

REFRESH_DELAY_MS = 100   # a burst of notifications → one read of the scenarios
RELOAD_DELAY_MS = 300    # … → one read of the data
SCENARIO_TABLES = {"scenarios", "edits"}
DATA_TABLES = {"requests", "positions"}
DATA_EVENTS = {"data", "import"}   # audit events that changed the data (OMB's tables re-imported)


def describe(change) -> str:
    """`jsmith changed Police plan` — one change for the status bar."""
    who, key, act, table = change.user, change.key or "", change.action, change.table
    if table == "scenarios":
        return {"create": f"{who} created scenario {key}", "delete": f"{who} deleted scenario {key}",
                "rename": f"{who} renamed a scenario to {key}", "order": f"{who} reordered the scenarios"
                }.get(act, f"{who} changed {key}")
    if table == "requests":
        return {"move": f"{who} moved request {key} in the workflow", "create": f"{who} added request {key}",
                "delete": f"{who} deleted request {key}"}.get(act, f"{who} changed request {key}")
    if table == "narratives":
        return f"{who} changed the justification of {key}" if key else f"{who} changed a justification"
    if table == "positions":
        return f"{who} changed the positions"
    if act == "data":
        return f"{who} changed OMB's tables"
    if act == "import":
        return f"{who} re-imported the workbooks (OMB's tables)"
    if act == "conflict":
        return f"{who} kept a conflicting version of {key} in the History"
    return f"{who} changed {key}" if key else f"{who} changed the project"


class TeamController(QObject):
    """What a shared project adds to the window; `window.team`."""

    changes_arrived = Signal(object)   # kcplanner.project.postgres.Change, on the GUI thread
    reloaded = Signal()                # the shared project's data were read again

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.session = window.session
        self.projects = window.project_controller
        self.project = None                  # the open shared project (None: a file or nothing)
        self.last_message = ""               # the last "jsmith changed Police plan"
        self.choose_url = None               # tests: () -> url or None instead of the dialog
        self._keyring_entry = None
        self._resolving = 0
        self._reload_task: JobTask | None = None
        self.bridge = ChangeBridge(self)
        self.bridge.arrived.connect(self._arrived)
        self.bridge.gap.connect(self.reload_everything)
        self.hold = ControlHold(self)
        self.role_label = RoleLabel()
        self.workflow = WorkflowTab(window, self)   # the requests workflow's tab while a shared project is open
        window.statusBar().addPermanentWidget(self.role_label)
        self._refresh_timer = QTimer(self, singleShot=True, interval=REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self.refresh_scenarios)
        self._reload_timer = QTimer(self, singleShot=True, interval=RELOAD_DELAY_MS)
        self._reload_timer.timeout.connect(self.reload_data)
        self.open_shared_action = QAction("Open Sh&ared Project…", window)
        tip = "Open the budget round your team shares on the city's PostgreSQL server (team mode)"
        self.open_shared_action.setToolTip(tip)
        self.open_shared_action.setStatusTip(tip)
        self.open_shared_action.triggered.connect(lambda _c=False: self.open_dialog())
        self.offline = OfflineActions(self)         # File > Take Offline Copy… / Bring Back Offline Changes…
        self.reimport = SharedReimport(self)        # File > Re-import Workbooks… in a shared project (OMB)
        self.reconnect = Reconnect(self)            # Retry after a lost connection: connecting on the pool
        self._place_action()
        self.session.undo_stack.guard = lambda command: refusal(self.project, command)
        self.session.undo_stack.refused.connect(lambda reason: self._say(f"Not changed: {reason}"))
        self.projects.save_refused = self._save_refused
        self.projects.complete_url = with_keyring_password  # Open Recent Project: the keyring's password
        self.projects.projectChanged.connect(self._project_changed)
        self.projects.opened.connect(self._opened)
        self.projects.failed.connect(lambda _text: setattr(self, "_keyring_entry", None))

    def _place_action(self) -> None:
        """Right after File > Open Recent Project (the project controller's actions)."""
        menu = self.projects.file_menu
        actions = menu.actions()
        recent = self.projects.recent_menu.menuAction()
        after = actions[actions.index(recent) + 1] if recent in actions and actions.index(recent) + 1 < len(actions) \
            else None
        for action in (self.open_shared_action, *self.offline.actions):
            menu.insertAction(after, action) if after is not None else menu.addAction(action)

    # -- opening --------------------------------------------------------------------------------------
    def open_dialog(self) -> None:
        """File > Open Shared Project…: the connection dialog, then the project controller opens it."""
        if self.choose_url is not None:
            url = self.choose_url()
            if url:
                self.open(url)
            return
        dialog = ConnectionDialog(self.window)
        self.dialog = dialog
        if dialog.exec() and not dialog.problem():
            self._keyring_entry = dialog.keyring_entry()
            st.settings().setValue(KEY_LAST_SHARED, dialog.safe_url())
            self.open(dialog.url())
        dialog.deleteLater()
        self.dialog = None

    def open(self, url: str) -> None:
        """Open the shared project at `url` (on a worker, with progress; a TeamError's text if it fails)."""
        self.projects.open_project(url)

    def _opened(self, _location: str) -> None:
        p = self.project
        if p is None:
            return
        text = store_in_keyring(self._keyring_entry)
        self._keyring_entry = None
        notice = role_notice(p)
        if notice:
            self.projects.bar.show_message(_html(notice), "info")
        if text:
            self._say(text)

    # -- the project opened or closed ----------------------------------------------------------------
    def _project_changed(self, project) -> None:
        shared = project if project is not None and not project.closed and is_shared(project) else None
        if shared is self.project:
            return
        self.bridge.stop()
        self._refresh_timer.stop()
        self._reload_timer.stop()
        self.hold.release()
        self.project = shared
        self.role_label.show_project(shared)
        self.workflow.show_for(shared)
        self.offline.update()
        if shared is None:
            return
        hold_for_role(self.hold, self.window, shared)
        self.bridge.start(shared.url)

    def window_closing(self) -> None:
        self.bridge.stop()

    # -- others' changes ------------------------------------------------------------------------------
    def _arrived(self, change) -> None:
        p = self.project
        if p is None or p.closed:
            return
        mine = change.user == p.user
        if not mine:
            self._say(describe(change))
        if change.table in SCENARIO_TABLES and change.action not in DATA_EVENTS:
            self._refresh_timer.start()
        elif not mine and (change.table in DATA_TABLES or change.action in DATA_EVENTS):
            self._reload_timer.start()
        elif not mine and change.table == "narratives":
            QTimer.singleShot(0, self._reload_narratives)
        self.changes_arrived.emit(change)

    def refresh_scenarios(self) -> bool:
        """Read the scenarios again and show them if they differ from what is on screen; True if they did."""
        p = self.project
        if p is None or p.closed:
            return False
        if self._resolving:  # a conflict is being settled: after it
            self._refresh_timer.start()
            return False
        self.flush_drag()  # a drag not saved yet goes first
        try:
            p.refresh()
        except ProjectError as exc:
            self._say(f"Could not read the scenarios again: {exc}")
            return False
        if list(p.scenarios) == list(self.session.scenarios):
            return False
        self._adopt()
        return True

    def flush_drag(self) -> None:
        """Save a slider drag that waits for its pause, before the scenarios are read or brought back."""
        c = self.projects
        if c._drag_timer.isActive():
            c._drag_timer.stop()
            c._record(c._drag_key, None, undoable=True)

    def _adopt(self, current: str | None = None) -> None:
        """Show the project's scenarios as they are now (no edit, no save)."""
        c = self.projects
        c._suspend += 1
        try:
            self.session.adopt(self.project.scenarios, current)
            c.history.update_scenarios()
            c.history.schedule()
        finally:
            c._suspend -= 1

    def reload_data(self) -> None:
        """Read the data again (others changed requests, positions or OMB's tables) on a worker."""
        p = self.project
        if p is None or p.closed:
            return
        if self._reload_task is not None or self._resolving:
            self._reload_timer.start()
            return

        def job(_progress, _cancelled):
            from kcplanner.engine import prepare
            prepared = prepare(p.reload_dataset())
            prepared.baseline_results()
            return prepared

        task = JobTask(job)
        self._reload_task = task
        task.signals.finished.connect(lambda prepared: self._data_read(p, prepared))
        task.signals.failed.connect(lambda exc: self._data_failed(exc))
        task.signals.cancelled.connect(lambda: setattr(self, "_reload_task", None))
        from PySide6.QtCore import QThreadPool
        QThreadPool.globalInstance().start(task)

    def _data_read(self, project, prepared) -> None:
        self._reload_task = None
        c = self.projects
        if project is not self.project or c.project is not project:
            return
        c._suspend += 1
        try:
            self.session.undo_stack.clear()  # its steps hold the data as they were
            self.session.replace_prepared(prepared)
            c.prepared = prepared
        finally:
            c._suspend -= 1
        c.history.schedule()
        self.reloaded.emit()

    def _data_failed(self, exc) -> None:
        self._reload_task = None
        self._say(f"Could not read the data again: {exc}")

    def _reload_narratives(self) -> None:
        if self.project is not None and not self.project.closed:
            self.projects._load_narratives()

    def reload_everything(self) -> None:
        """After the listener lost the server for a while: scenarios, data and justifications again."""
        if self.project is None:
            return
        self._say("Reconnected to the server: reading the shared project again")
        self.refresh_scenarios()
        self._reload_narratives()
        self.reload_data()

    # -- a save the server refused ------------------------------------------------------------------
    def _save_refused(self, error, retry) -> bool:
        """ConflictError → the conflict dialog; ConnectionLost → Retry / Cancel.  True when handled."""
        from kcplanner.project.postgres import ConflictError, ConnectionLost, NotAllowed, WorkflowError, take_theirs

        p = self.project
        if p is None or p.closed:
            return False
        if isinstance(error, ConflictError) and error.kind == "scenario":
            self._resolving += 1
            self.projects._suspend += 1  # nothing is saved while the question is open (its event loop runs)
            before = {s.name for s in self.session.scenarios}
            try:
                choice = resolve_conflict(self.window, p, error)
                if choice is None:  # closed without a choice: theirs, with mine kept in the History
                    take_theirs(p, error)
                    choice = "theirs"
            except (ConflictError, ConnectionLost) as again:
                return self._save_refused(again, retry)
            except ProjectError as exc:
                self._say(f"The conflict could not be settled: {exc}")
                return False
            finally:
                self._resolving -= 1
                self.projects._suspend -= 1
            # each choice read the scenarios again: the screen shows them as the server has them now
            copy = next((n for n in p.scenario_names if n not in before), None) if choice == "copy" else None
            if choice == "mine":
                self._say(f"Kept your version of {error.name} (theirs is in the History)")
            else:
                self._say(f"Saved your version as {copy}" if copy else
                          f"Took {error.theirs.changed_by}'s version of {error.name} (yours is in the History)")
            self._adopt_later(copy or (error.mine.name if error.mine is not None else error.name))
            return True
        if isinstance(error, (NotAllowed, WorkflowError, ConflictError)):  # a request: undone here, said why
            self._refused_box(error)
            QTimer.singleShot(0, self._undo_unsaved)
            if isinstance(error, ConflictError):  # someone changed it meanwhile: show theirs
                self._reload_timer.start()
            return True
        if isinstance(error, ConnectionLost):
            self.projects._suspend += 1
            try:
                retry_it = connection_lost(self.window, error)
            finally:
                self.projects._suspend -= 1
            if retry_it:  # connect again on the pool (up to the connect timeout), then save again
                self.reconnect.start(p, lambda: (self._say("Connected again: saving your change"), retry()),
                                     self._not_saved, lambda again: self._save_refused(_lost(again), retry))
            else:
                self._not_saved()
            return True
        return False

    def _not_saved(self) -> None:
        self._say("Not saved: the change was undone here (Edit > Redo brings it back)")
        QTimer.singleShot(0, self._undo_unsaved)

    def _refused_box(self, error) -> None:
        from PySide6.QtWidgets import QMessageBox

        self._say(f"Not saved: {error}")
        box = QMessageBox(QMessageBox.Icon.Warning, "The change was not saved", str(error),
                          QMessageBox.StandardButton.Close, self.window)
        box.setObjectName("team_refused")
        box.setInformativeText("It was undone here; the shared project is as it was.")
        self.projects._show_box(box)

    def _adopt_later(self, current: str) -> None:
        """After the undo stack's push has returned: the server's scenarios on screen.  Nothing is
        recorded meanwhile (the screen still shows the version that lost)."""
        c = self.projects
        c._suspend += 1

        def adopt():
            c._suspend -= 1
            if self.project is not None and not self.project.closed:
                self._adopt(current)
        QTimer.singleShot(0, adopt)

    def _undo_unsaved(self) -> None:
        stack = self.session.undo_stack
        if stack.canUndo():
            stack.undo()

    # -- the status bar --------------------------------------------------------------------------------
    def _say(self, text: str) -> None:
        self.last_message = text
        self.window.statusBar().showMessage(text, 10000)


def _lost(error):
    """A failed attempt to connect again, as the ConnectionLost the lost-connection box shows."""
    from kcplanner.project.postgres import ConnectionLost

    return error if isinstance(error, ConnectionLost) else ConnectionLost(
        f"{error}" if not isinstance(error, str) else "connecting to the server again failed")


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def install_team(window) -> TeamController:
    """The team-mode feature (ui/features.py): after the project controller."""
    return TeamController(window)


__all__ = ["TeamController", "install_team", "describe"]
