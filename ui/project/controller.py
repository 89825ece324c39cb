"""The project file in the desktop app: File > New/Open/Save/Save As Project, autosave of every edit
to the project's journal, recovery after a crash, the History tab, re-import of changed workbooks,
and Save / Don't Save / Cancel on close (docs/ui-project.md, docs/project-file.md).

The lead wires it in with one call after the main window is built:

    controller = install_project_support(window)     # menus, History tab, info bar, autosave hooks
    if not reopen_last_project(window):               # the last .kcplan, if there is one
        window.open_initial()                         # else the last workbooks or the sample

How an edit reaches the file: the Session's scenarios are immutable and every edit is a
`StateCommand` on its `QUndoStack`.  When the stack's index changes (a push, a merge while a slider
drags, an undo, a redo) the controller compares the session's scenarios with the project's and
writes the difference (`apply_scenarios`: `record_edit` per changed scenario, creations, deletions,
renames, moves), with the command's merge key so that a drag is one History row.  A deferred check
after `scenariosChanged`/`scenarioChanged` catches anything that did not go through the stack.
`project.sync()` runs from a one-second timer.

With no project open, the first edit starts an untitled project in the user's data folder
(ui/project/untitled.py) that autosaves the same way, and closing asks Save… / Don't Save / Cancel; a
project's current scenario, tab and plan year are kept in it (ui/project/viewstate.py).

Justification narratives (the Requests panel's `narratives`) are stored in the project too: each
`narrativesChanged` writes the narratives that differ from the file (`put_narrative`, one audited
row each); opening a project loads its narratives into the panel; New Project keeps the panel's.

A shared project (team mode, a `TeamProject` on PostgreSQL) is held the same way through
`kcplanner.project.ProjectStore`: `open_project(url)` opens it (`open_shared`), autosave writes each
edit to the server, and what only a file has (Save As, revert, recovery, re-import, the view state)
is disabled or skipped for it.  ui/team/ adds the role, the listener and the conflict questions
(`save_refused`).

Where each part lives (ui/project/): menus.py (install, menus and actions), files.py (New / Open /
Save / Save As), autosave.py (edits → the journal, with audit rows), narratives.py, reimport.py,
closing.py (Save / Don't Save / Cancel, the close event), notices.py (title, status, message boxes,
the info bar), tasks.py (work off the GUI thread), apply.py (scenarios → project calls), recent.py
(the last project files); this module keeps the controller's state, attaching and detaching a project,
and the lead's entry points.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog

from kcplanner.project import Project, ProjectError

from . import untitled as ut
from . import viewstate as vs
from .apply import _key
from .autosave import DRAG_SAVE_DELAY_MS, SYNC_INTERVAL_MS, AutosaveMixin
from .closing import ClosingMixin
from .files import FileActionsMixin
from .history import HistoryPanel
from .menus import MenusMixin
from .narratives import NarrativesMixin
from .notices import NoticesMixin
from .recent import forget_last_project_file, last_project_file, remember_project_file
from .recovery import InfoBar, ReimportDialog
from .where import location_of
from .reimport import ReimportMixin, _mappings_of, _workbooks_of
from .tasks import FunctionTask, TasksMixin


class ProjectController(MenusMixin, FileActionsMixin, ReimportMixin, ClosingMixin, AutosaveMixin,
                        NarrativesMixin, NoticesMixin, TasksMixin, QObject):
    """Owns the open `kcplanner.project.Project` of one main window (None: workbooks only)."""

    projectChanged = Signal(object)   # the Project, or None
    opened = Signal(str)              # a project was opened or created (its path)
    failed = Signal(str)              # opening/creating/saving failed (the message shown)
    recorded = Signal(int)            # edits written to the journal (number of calls)
    reimportReady = Signal(object)    # the re-import preview dialog is shown (Preview)
    reimported = Signal(object)       # ReplaceReport
    busyChanged = Signal(bool)
    dataReloaded = Signal()           # a shared project's data were read again (others' changes)

    def __init__(self, main_window):
        super().__init__(main_window)
        self.main = main_window
        self.session = main_window.session
        self.project: Project | None = None
        self.prepared = None                  # the Prepared that came with the project
        self._workbooks_ref = None            # the session's `project` (workbooks record) set with it
        self._load_serial = -1                # the session's load_serial when the data came
        self.changes: list = []               # changed source workbooks found on open
        self.message_box: QMessageBox | None = None
        self.reimport_dialog: ReimportDialog | None = None
        self.confirm_unsaved: Callable[[], str] | None = None  # tests: returns "save" | "discard" | "cancel"
        self._tasks: set[FunctionTask] = set()
        self._busy = 0
        self._suspend = 0
        self._index = self.session.undo_stack.index()
        self._close_confirmed = False
        self._undoing_failure = False
        self._base_title = main_window.windowTitle()
        self._setting_title = False
        self._progress: QProgressDialog | None = None
        self._progress_bar = None
        self._shared_progress: QProgressDialog | None = None  # File > Open Shared Project… connecting
        self._narratives_stored: dict[str, tuple[str, dict]] = {}  # key → (request ID, dict) in the file
        # the untitled session (ui/project/untitled.py): autosaved from the first edit with no project open
        self.autosave_untitled = True
        self.choose_save_path: Callable[[], str | None] | None = None  # tests: the Save As file name
        self._untitled_task: FunctionTask | None = None
        self._close_after_create = False
        self._stopped = False  # shut down (application quit): no new untitled session
        # a shared project (ui/team/): a save the server refused (ConflictError, ConnectionLost) goes to
        # `save_refused(error, retry)`, which returns True when it dealt with it
        self.save_refused: Callable[[ProjectError, Callable[[], int]], bool] | None = None
        self.complete_url: Callable[[str], str] | None = None  # a shared project's URL → with its keyring password
        self.shared_reimport = None  # ui/team/: Re-import Workbooks… for a shared project (`why_not(p)`, `start()`)
        self._drag_timer = QTimer(self)  # a shared project: a slider drag is saved once it pauses
        self._drag_timer.setSingleShot(True)
        self._drag_timer.setInterval(DRAG_SAVE_DELAY_MS)
        self._drag_timer.timeout.connect(lambda: self._record(self._drag_key, None, undoable=True))
        self._drag_key: str | None = None
        self._untitled_failed = False  # the untitled file could not be made: closing still asks

        self.history = HistoryPanel()
        self.bar = InfoBar()
        self._sync_timer = QTimer(self)
        self._sync_timer.setInterval(SYNC_INTERVAL_MS)
        self._sync_timer.timeout.connect(self.sync)
        self._check_timer = QTimer(self)
        self._check_timer.setSingleShot(True)
        self._check_timer.setInterval(0)
        self._check_timer.timeout.connect(lambda: self._drag_timer.isActive() or self._record())
        self._view_timer = QTimer(self)  # the view state (scenario, tab, year) → the file, debounced
        self._view_timer.setSingleShot(True)
        self._view_timer.setInterval(vs.WRITE_DELAY_MS)
        self._view_timer.timeout.connect(lambda: vs.store(self))

    @property
    def is_untitled(self) -> bool:
        """The open project is the untitled session's file (ui/project/untitled.py), not one the analyst named."""
        p = self.project
        return p is not None and not p.closed and ut.is_untitled(p.path)

    def _unsaved(self) -> int:
        p = self.project
        if p is None or p.closed:
            return 0
        try:
            n = p.unsaved_edits
        except ProjectError:
            n = 0
        return max(1, n) if self.is_untitled and not p.read_only else n

    def edits_written(self, n: int) -> None:
        """Another feature wrote `n` audited edits to the open project (the stories, ui/stories/):
        the History tab, the Save action and the title follow, as after any edit."""
        if n:
            self.history.schedule()
            self._update_actions()
            self.recorded.emit(n)

    # -- attaching a project ---------------------------------------------------------------------------
    def _attach(self, project: Project, prepared=None, changes=(), created: bool = False) -> None:
        self.project = project
        self.changes = list(changes)
        if prepared is not None:
            self._suspend += 1
            try:
                scenarios = tuple(project.scenarios) or None
                try:  # a shared project keeps no source workbooks (file-only)
                    args = project.import_arguments()
                    workbooks, mappings = _workbooks_of(args), _mappings_of(args)
                except (ProjectError, ValueError, TypeError, AttributeError):
                    workbooks, mappings = None, ()
                self.session.set_data(prepared, None, workbooks, scenarios, mappings=mappings)
            finally:
                self._suspend -= 1
            self.prepared = prepared
        else:
            self.prepared = self.session.prepared
        self._workbooks_ref = self.session.project
        self._load_serial = self.session.load_serial
        self._index = self.session.undo_stack.index()
        self._record()  # e.g. the session's "Scenario 1" of a project without scenarios
        if created:  # the panel's narratives went into the new file: remember them as stored
            self._narratives_stored = {_key(rid): (rid, d) for rid, d in project.narratives().items()}
            self._write_narratives()  # any written while the project was being created
        else:
            self._load_narratives()
        self.history.set_project(project)
        if not self.is_untitled:
            remember_project_file(location_of(project))
        if prepared is not None:
            vs.restore(self)
        self._sync_timer.start()
        self._update_actions()
        self.projectChanged.emit(project)
        self._show_notices(created)
        self.opened.emit(location_of(project))

    def _detach(self, close: bool = True) -> None:
        if self._drag_timer.isActive():  # a drag that has not been saved yet
            self._drag_timer.stop()
            self._record(self._drag_key)
        p = self.project
        if p is not None and close and not p.closed:
            vs.store(self)
        self._view_timer.stop()
        self.project = None
        self.prepared = None
        self.changes = []
        self._narratives_stored = {}
        self._sync_timer.stop()
        if p is not None and close and not p.closed:
            try:
                p.close()
            except ProjectError:
                pass
        self.history.set_project(None)
        self.bar.hide()
        self._update_actions()
        self.projectChanged.emit(None)


# -- the lead's entry points ---------------------------------------------------------------------------

def install_project_support(main_window) -> ProjectController:
    """Add project files to a MainWindow: File > New Project… / Open Project… / Open Recent Project /
    Save Project / Save Project As… / Re-import Workbooks… / Export History…, View > History, a History
    tab, an info bar above the tabs, autosave of every edit, Save/Don't Save/Cancel on close.
    Idempotent: a second call returns the same controller (`main_window.project_controller`)."""
    existing = getattr(main_window, "project_controller", None)
    if isinstance(existing, ProjectController):
        return existing
    controller = ProjectController(main_window)
    controller.install()
    main_window.project_controller = controller
    return controller


def reopen_last_project(main_window) -> bool:
    """Open the project opened last (QSettings `projectfile/last`) if its file exists; True when an
    open was started.  If that open then fails, the message is shown and `main_window.open_initial()`
    runs (the last workbooks or the sample), so the window never stays empty."""
    controller = install_project_support(main_window)
    path = last_project_file()
    if not path or not Path(path).is_file():
        return False

    def fallback():
        forget_last_project_file()
        if hasattr(main_window, "open_initial"):
            main_window.open_initial()
    controller.open_project(path, on_failure=fallback)
    return True
