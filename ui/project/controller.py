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
"""

from __future__ import annotations

import json
import threading
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QEvent, QObject, QRunnable, QThreadPool, QTimer, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QProgressDialog

from kcplanner.project import Project, ProjectError, describe_change
from kcplanner.scenario import Scenario

from ..common import settings as st
from . import untitled as ut
from . import viewstate as vs
from .history import HistoryPanel
from .recovery import InfoBar, ReimportDialog, invalid_box, make_container, open_error_box, unsaved_box

KEY_PROJECT_LAST = "projectfile/last"      # JSON text: the path of the last project file, or null
KEY_PROJECT_RECENT = "projectfile/recent"  # JSON list of paths, most recent first (at most 8)
PROJECT_FILTER = "kcplanner projects (*.kcplan);;All files (*)"
SYNC_INTERVAL_MS = 1000
PROGRESS_DELAY_MS = 500
REQUEST_TABLES = ["budget.requests", "budget.request_costs"]  # what the app edits in the data


# -- the scenarios → the project (no Qt) -------------------------------------------------------------

def _key(name: str) -> str:
    return " ".join(str(name).split()).casefold()


def apply_scenarios(project: Project, scenarios, *, merge_key: str | None = None,
                    describe: Callable | None = None) -> int:
    """Make the project's scenarios equal to `scenarios` (contents, names, order) with audited
    calls: deletions, renames (same contents under a new name), updates (with `merge_key`),
    creations, then moves.  `describe(before, after)` gives each row's text (None: automatic).
    Returns the number of calls made; ProjectError (e.g. a name taken) before anything of that
    call is written."""
    new = list(scenarios)
    old = project.scenarios
    if old == new:
        return 0
    seen: dict[str, str] = {}
    for s in new:  # the project's names are unique ignoring case and spaces; refuse before writing
        if not str(s.name).strip():
            raise ProjectError("a scenario needs a name")
        if _key(s.name) in seen:
            raise ProjectError(f"a scenario named '{seen[_key(s.name)]}' already exists")
        seen[_key(s.name)] = s.name
    old_by = {_key(s.name): s for s in old}
    new_by = {_key(s.name): s for s in new}
    removed = [s for s in old if _key(s.name) not in new_by]
    added = [s for s in new if _key(s.name) not in old_by]
    renames: list[tuple[Scenario, Scenario]] = []
    for r in list(removed):  # a rename: same contents, another name (same position first)
        i = old.index(r)
        same_place = [new[i]] if i < len(new) and new[i] in added else []
        match = [a for a in same_place if r.rename(a.name) == a] or [a for a in added if r.rename(a.name) == a]
        if match:
            renames.append((r, match[0]))
            removed.remove(r)
            added.remove(match[0])
    text = (lambda b, a: None) if describe is None else describe
    calls = 0
    for s in removed:
        project.record_edit(s.name, text(s, None), s, None)
        calls += 1
    for b, a in renames:
        project.record_edit(b.name, text(b, a), b, a)
        calls += 1
    for s in new:
        before = old_by.get(_key(s.name))
        if before is not None and before != s:
            project.record_edit(before.name, text(before, s), before, s, merge_key=merge_key)
            calls += 1
    for s in added:
        project.record_edit(s.name, text(None, s), None, s)
        calls += 1
    want = [_key(s.name) for s in new]
    for i, k in enumerate(want):
        order = [_key(s.name) for s in project.scenarios]
        if i < len(order) and order[i] != k:
            project.move_scenario(new[i].name, i)
            calls += 1
    return calls


def _merge_key_text(key) -> str | None:
    if key is None:
        return None
    if isinstance(key, (tuple, list)):
        return "ui:" + ":".join(str(k) for k in key)
    return f"ui:{key}"


# -- settings: the last project file ---------------------------------------------------------------

def last_project_file() -> str | None:
    value = st.settings().value(KEY_PROJECT_LAST, "")
    try:
        path = json.loads(value) if isinstance(value, str) and value else None
    except ValueError:
        return None
    return path if isinstance(path, str) and path else None


def recent_project_files() -> list[str]:
    value = st.settings().value(KEY_PROJECT_RECENT, "")
    try:
        data = json.loads(value) if isinstance(value, str) and value else []
    except ValueError:
        return []
    return [p for p in data if isinstance(p, str)] if isinstance(data, list) else []


def remember_project_file(path: str | Path) -> None:
    path = str(Path(path).resolve())
    s = st.settings()
    s.setValue(KEY_PROJECT_LAST, json.dumps(path))
    recent = [p for p in recent_project_files() if p != path]
    s.setValue(KEY_PROJECT_RECENT, json.dumps([path] + recent[: st.MAX_RECENT - 1]))


def forget_last_project_file() -> None:
    st.settings().setValue(KEY_PROJECT_LAST, json.dumps(None))


# -- work off the GUI thread ------------------------------------------------------------------------

class TaskSignals(QObject):
    finished = Signal(object)
    failed = Signal(object)      # a ProjectError, or a traceback (str) for anything unexpected
    progress = Signal(float, str)


class FunctionTask(QRunnable):
    """Run a plain function on the thread pool; results come back through signals (GUI thread)."""

    def __init__(self, fn: Callable):
        super().__init__()
        self.setAutoDelete(False)
        self.fn = fn
        self.signals = TaskSignals()
        self.cancel_flag = threading.Event()

    def run(self) -> None:
        try:
            result = self.fn(self)
        except ProjectError as exc:
            self.signals.failed.emit(exc)
        except Exception:  # noqa: BLE001 - shown to the user (details), never lost
            self.signals.failed.emit(traceback.format_exc())
        else:
            self.signals.finished.emit(result)


@dataclass
class Opened:
    project: Project
    prepared: object
    changes: list


@dataclass
class Preview:
    args: object          # ImportArguments
    result: object        # ImportResult (dataset None when the workbooks have errors)
    diff: object          # DatasetDiff or None
    changes: list


def _workbooks_of(args) -> st.Project:
    """The app's "last workbooks" record for a project's sources."""
    return st.Project(str(args.plan) if args.plan else None, tuple(str(b) for b in args.budgets))


def _mappings_of(args) -> tuple:
    """The project's import mappings (stored as dicts) as `Mapping`s; those that do not read are left out."""
    from kcplanner.readers.mapping import Mapping, MappingError, mapping_from_dict

    out = []
    for m in getattr(args, "mappings", None) or ():
        try:
            out.append(m if isinstance(m, Mapping) else mapping_from_dict(m))
        except (MappingError, TypeError, ValueError):
            continue
    return tuple(out)


# -- the controller ----------------------------------------------------------------------------------

class ProjectController(QObject):
    """Owns the open `kcplanner.project.Project` of one main window (None: workbooks only)."""

    projectChanged = Signal(object)   # the Project, or None
    opened = Signal(str)              # a project was opened or created (its path)
    failed = Signal(str)              # opening/creating/saving failed (the message shown)
    recorded = Signal(int)            # edits written to the journal (number of calls)
    reimportReady = Signal(object)    # the re-import preview dialog is shown (Preview)
    reimported = Signal(object)       # ReplaceReport
    busyChanged = Signal(bool)

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
        self._narratives_stored: dict[str, tuple[str, dict]] = {}  # key → (request ID, dict) in the file
        # the untitled session (ui/project/untitled.py): autosaved from the first edit with no project open
        self.autosave_untitled = True
        self.choose_save_path: Callable[[], str | None] | None = None  # tests: the Save As file name
        self._untitled_task: FunctionTask | None = None
        self._close_after_create = False
        self._stopped = False  # shut down (application quit): no new untitled session
        self._untitled_failed = False  # the untitled file could not be made: closing still asks

        self.history = HistoryPanel()
        self.bar = InfoBar()
        self._sync_timer = QTimer(self)
        self._sync_timer.setInterval(SYNC_INTERVAL_MS)
        self._sync_timer.timeout.connect(self.sync)
        self._check_timer = QTimer(self)
        self._check_timer.setSingleShot(True)
        self._check_timer.setInterval(0)
        self._check_timer.timeout.connect(lambda: self._record())
        self._view_timer = QTimer(self)  # the view state (scenario, tab, year) → the file, debounced
        self._view_timer.setSingleShot(True)
        self._view_timer.setInterval(vs.WRITE_DELAY_MS)
        self._view_timer.timeout.connect(lambda: vs.store(self))

    # -- installing ---------------------------------------------------------------------------------
    def install(self) -> None:
        m = self.main
        if hasattr(m, "set_message_bar"):  # the MainWindow has a place for it above the tabs
            m.set_message_bar(self.bar)
        else:
            central = m.takeCentralWidget()
            m.setCentralWidget(make_container(self.bar, central))
        self.history_index = m.tabs.addTab(self.history, "History")
        self._build_actions()
        stack = self.session.undo_stack
        stack.indexChanged.connect(self._on_index)
        self.session.scenariosChanged.connect(self._schedule_check)
        self.session.scenarioChanged.connect(self._schedule_check)
        self.session.datasetChanged.connect(self._on_dataset_changed)
        self.session.datasetChanged.connect(self._update_actions)
        panel = self._requests_panel()
        if panel is not None and hasattr(panel, "narrativesChanged"):
            panel.narrativesChanged.connect(self._write_narratives)
        self.session.scenariosChanged.connect(self._schedule_view)
        self.session.yearChanged.connect(self._schedule_view)
        m.tabs.currentChanged.connect(self._schedule_view)
        if not hasattr(m, "_update_title"):  # a window that does not compose its title with title_part()
            m.windowTitleChanged.connect(self._title_changed)
        m.installEventFilter(self)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self._update_actions()

    def _free(self, *candidates) -> QKeySequence | None:
        used = {ks.toString() for a in self.main.findChildren(QAction) for ks in a.shortcuts()}
        for c in candidates:
            ks = QKeySequence(c)
            if ks.toString() not in used:
                return ks
        return None

    def _action(self, text: str, slot, shortcuts=(), tip: str = "") -> QAction:
        a = QAction(text, self.main)
        ks = self._free(*shortcuts) if shortcuts else None
        if ks is not None:
            a.setShortcut(ks)
        if tip:
            a.setToolTip(tip)
            a.setStatusTip(tip)
        a.triggered.connect(lambda _c=False: slot())
        return a

    def _build_actions(self) -> None:
        self.new_action = self._action("New &Project…", self.new_project_dialog, ("Ctrl+Alt+N",),
                                       "Keep the open workbooks' data, every scenario and the history of every "
                                       "change in one project file (.kcplan)")
        self.open_action = self._action("Open Pro&ject…", self.open_project_dialog, ("Ctrl+Alt+O",),
                                        "Open a project file (.kcplan): its data, scenarios and history")
        self.save_action = self._action("Sa&ve Project", self.save_project, ("Ctrl+S", "Ctrl+Alt+S"),
                                        "Mark a save point (every edit is already in the file)")
        self.save_as_action = self._action("Sav&e Project As…", self.save_project_as_dialog,
                                           ("Ctrl+Shift+S", "Ctrl+Alt+Shift+S"),
                                           "Copy the project to a new file and continue there")
        self.reimport_action = self._action("Re-import &Workbooks…", self.reimport, (),
                                            "Read the project's source workbooks again, see what changed and take "
                                            "the new data (every scenario is kept)")
        self.export_history_action = self._action("Export &History…", self.history.export_dialog, (),
                                                  "Save the audit trail as an Excel workbook or a CSV file")
        self.history_action = self._action("History", self.show_history, ("Ctrl+9", "Ctrl+H"),
                                           "Every change to the project: who, when, which scenario, what")
        file_menu = None
        view_menu = None
        for a in self.main.menuBar().actions():
            name = a.text().replace("&", "")
            if name == "File" and a.menu() is not None:
                file_menu = a.menu()
            elif name == "View" and a.menu() is not None:
                view_menu = a.menu()
        if file_menu is None:
            file_menu = self.main.menuBar().addMenu("&File")
        first = file_menu.actions()[0] if file_menu.actions() else None
        self.recent_menu = file_menu.addMenu("Open Recent Projec&t")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        recent_action = self.recent_menu.menuAction()
        file_menu.removeAction(recent_action)
        for a in (self.new_action, self.open_action, recent_action, self.save_action, self.save_as_action,
                  self.reimport_action, self.export_history_action):
            file_menu.insertAction(first, a) if first is not None else file_menu.addAction(a)
        if first is not None:
            file_menu.insertSeparator(first)
        self.file_menu = file_menu
        if view_menu is not None:
            actions = view_menu.actions()
            sep = next((a for a in actions if a.isSeparator()), None)
            view_menu.insertAction(sep, self.history_action) if sep is not None else view_menu.addAction(
                self.history_action)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        paths = recent_project_files()
        for p in paths:
            a = self.recent_menu.addAction(Path(p).name)
            a.setToolTip(p)
            a.setStatusTip(p)
            a.triggered.connect(lambda _c=False, p=p: self.open_project(p))
        if not paths:
            self.recent_menu.addAction("(none)").setEnabled(False)

    def show_history(self) -> None:
        self.main.tabs.setCurrentWidget(self.history)

    # -- state shown ----------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._busy > 0

    def _set_busy(self, delta: int) -> None:
        was = self.busy
        self._busy = max(0, self._busy + delta)
        if was != self.busy:
            self.busyChanged.emit(self.busy)
            self._update_actions()

    def _update_actions(self) -> None:
        p = self.project
        open_ = p is not None and not p.closed
        writable = open_ and not p.read_only
        idle = not self.busy
        self.new_action.setEnabled(idle and self.session.loaded)
        self.open_action.setEnabled(idle)
        # no project: Save Project makes one (like Save on an untitled document)
        self.save_action.setEnabled(idle and (writable and self._unsaved() > 0 or not open_ and self.session.loaded))
        self.save_as_action.setEnabled(idle and open_)
        self.reimport_action.setEnabled(idle and writable)
        self.export_history_action.setEnabled(open_)
        self._apply_title()

    def _unsaved(self) -> int:
        p = self.project
        if p is None or p.closed:
            return 0
        try:
            n = p.unsaved_edits
        except ProjectError:
            n = 0
        return max(1, n) if self.is_untitled and not p.read_only else n

    @property
    def is_untitled(self) -> bool:
        """The open project is the untitled session's file (ui/project/untitled.py), not one the analyst named."""
        p = self.project
        return p is not None and not p.closed and ut.is_untitled(p.path)

    def _schedule_view(self, *_args) -> None:
        if self._writable():
            self._view_timer.start()

    def _title_changed(self, title: str) -> None:
        if self._setting_title:
            return
        self._base_title = title
        self._apply_title()

    def title_part(self) -> str:
        """`budget.kcplan`, `budget.kcplan (unsaved changes)`, `budget.kcplan (read-only)`, or ""."""
        p = self.project
        if p is None or p.closed:
            return ""
        if self.is_untitled:
            return "Untitled (not saved in a project file)"
        state = " (read-only)" if p.read_only else (" (unsaved changes)" if self._unsaved() else "")
        return f"{p.path.name}{state}"

    def _apply_title(self) -> None:
        if hasattr(self.main, "_update_title"):
            self.main._update_title()
            return
        base = self._base_title
        p = self.project
        if p is None or p.closed:
            title = base
        else:
            state = " (read-only)" if p.read_only else (" (unsaved changes)" if self._unsaved() else "")
            suffix = " — kcplanner"
            head = base[: -len(suffix)] if base.endswith(suffix) else base
            title = f"{head} — {p.path.name}{state}{suffix}" if head and head != "kcplanner" else \
                f"{p.path.name}{state}{suffix}"
        if self.main.windowTitle() != title:
            self._setting_title = True
            try:
                self.main.setWindowTitle(title)
            finally:
                self._setting_title = False

    def status(self, text: str, ms: int = 10000) -> None:
        self.main.statusBar().showMessage(text, ms)

    def _show_box(self, box: QMessageBox, on_finished: Callable | None = None) -> QMessageBox:
        """Open a box window-modally without blocking; `on_finished(clicked_button)`."""
        if self.message_box is not None and self.message_box is not box:
            self.message_box.close()
        self.message_box = box
        if on_finished is not None:
            box.finished.connect(lambda _r, b=box: on_finished(b.clickedButton()))
        box.open()
        return box

    # -- autosave -------------------------------------------------------------------------------------
    def _writable(self) -> bool:
        p = self.project
        return p is not None and not p.closed and not p.read_only and not self._suspend

    def _on_index(self, index: int) -> None:
        prev, self._index = self._index, index
        try:
            stack = self.session.undo_stack
            count = stack.count()
        except RuntimeError:  # the window is being destroyed
            return
        if self.project is None and index != prev and count > 0:
            ut.start_untitled(self)  # the first edit with no project: autosave to an untitled project
        if not self._writable():
            return
        if index < prev:  # undo (or a clear, which changes no scenario)
            cmd = stack.command(index) if index < stack.count() else None
            text = cmd.text() if cmd is not None else ""
            self._record(None, (lambda b, a: f"Undo “{text}”: {describe_change(b, a)}") if text else None,
                         undoable=False)
        else:
            cmd = stack.command(index - 1) if index > 0 else None
            key = _merge_key_text(getattr(cmd, "merge_key", None)) if cmd is not None else None
            self._record(key, None, undoable=cmd is not None)

    def _schedule_check(self, *_args) -> None:
        if self._writable() and not self._check_timer.isActive():
            self._check_timer.start()

    def _same_source_data(self, prepared) -> bool:
        """True when `prepared` is the project's data edited in the app (requests created, edited,
        deleted: kcplanner.requests returns a new Dataset sharing the plan and the line items), False
        when it is other data (workbooks opened, a re-import)."""
        old = self.prepared
        if old is None or prepared is None:
            return False
        # Session.set_data (a load) counts up load_serial; replace_prepared (an in-app edit) does not
        return self.session.load_serial == self._load_serial

    def _sync_dataset(self) -> bool:
        """Follow the session's dataset: requests changed in the app → `update_dataset` (audited
        "data" row); other data → the project is closed.  False when the project was closed."""
        current = self.session.prepared
        if self.project is None or self._suspend or current is self.prepared:
            return self.project is not None
        if not self._same_source_data(current):
            name = self.project.path.name
            self._detach()
            forget_last_project_file()
            self.status(f"Closed the project {name} (its edits are in the file); now working on the workbooks. "
                        "File > New Project keeps them in a project.", 15000)
            return False
        self.prepared = current
        if self._writable():
            try:
                seq = self.project.update_dataset(current.dataset, tables=REQUEST_TABLES)
            except ProjectError as exc:
                self.status(f"The request change could not be written to the project: {exc}")
                return True
            if seq is not None:
                self.history.schedule()
                self._update_actions()
                self.recorded.emit(1)
        return True

    def _record(self, merge_key: str | None = None, describe: Callable | None = None, undoable: bool = False) -> int:
        """Write the session's scenarios to the project (every change, as it happens)."""
        if self.project is not None and not self._suspend and self.session.prepared is not self.prepared:
            if not self._sync_dataset():
                return 0
        if not self._writable():
            return 0
        names = self.project.scenario_names
        try:
            n = apply_scenarios(self.project, self.session.scenarios, merge_key=merge_key, describe=describe)
        except ProjectError as exc:
            self._edit_failed(exc, undoable)
            return 0
        if n:
            if self.project.scenario_names != names:
                self.history.update_scenarios()
            self.history.schedule()
            self._update_actions()
            self.recorded.emit(n)
        return n

    def _edit_failed(self, exc: ProjectError, undoable: bool) -> None:
        """The project refused the edit (e.g. a scenario name already taken): say so and undo it."""
        box = QMessageBox(QMessageBox.Icon.Warning, "The change was not applied", str(exc),
                          QMessageBox.StandardButton.Close, self.main)
        self._show_box(box)
        self.status(f"Not applied: {exc}")
        if undoable and not self._undoing_failure and self.session.undo_stack.canUndo():
            self._undoing_failure = True

            def undo():
                try:
                    self.session.undo_stack.undo()
                finally:
                    self._undoing_failure = False
            QTimer.singleShot(0, undo)

    # -- justification narratives ----------------------------------------------------------------------
    def _requests_panel(self):
        return getattr(self.main, "requests_panel", None)

    def _panel_narratives(self) -> dict[str, tuple[str, dict]]:
        panel = self._requests_panel()
        items = getattr(panel, "narratives", None) or {}
        return {_key(rid): (str(rid), n.to_dict() if hasattr(n, "to_dict") else dict(n)) for rid, n in items.items()}

    def _load_narratives(self) -> None:
        """The project's narratives → the Requests panel (replacing what it held)."""
        try:
            stored = self.project.narratives()
        except ProjectError as exc:
            self.status(f"The justifications could not be read from the project: {exc}")
            stored = {}
        self._narratives_stored = {_key(rid): (rid, d) for rid, d in stored.items()}
        panel = self._requests_panel()
        if panel is not None and hasattr(panel, "narratives"):
            from kcplanner.justification import JustificationNarrative
            panel.narratives = {rid: JustificationNarrative.from_dict(d) for rid, d in stored.items()}

    def _write_narratives(self) -> int:
        """Write the panel's narratives that differ from the file (added, changed, removed)."""
        if self.project is None and self._panel_narratives():
            ut.start_untitled(self)  # a justification written with no project: autosave it
        if not self._writable():
            return 0
        current = self._panel_narratives()
        n = 0
        try:
            for key, item in current.items():
                if self._narratives_stored.get(key) != item:
                    n += self.project.put_narrative(item[0], item[1]) is not None
                    self._narratives_stored[key] = item
            for key in [k for k in self._narratives_stored if k not in current]:
                n += self.project.put_narrative(self._narratives_stored[key][0], None) is not None
                del self._narratives_stored[key]
        except ProjectError as exc:
            self.status(f"The justification could not be written to the project: {exc}")
        if n:
            self.history.schedule()
            self._update_actions()
            self.recorded.emit(n)
        return n

    def sync(self) -> None:
        """The one-second timer: make the journal survive a power loss too."""
        p = self.project
        if p is not None and not p.closed and p.needs_sync:
            try:
                p.sync()
            except ProjectError as exc:  # pragma: no cover - sync swallows SQLite errors itself
                self.status(str(exc))

    # -- attaching a project ---------------------------------------------------------------------------
    def _attach(self, project: Project, prepared=None, changes=(), created: bool = False) -> None:
        self.project = project
        self.changes = list(changes)
        if prepared is not None:
            self._suspend += 1
            try:
                scenarios = tuple(project.scenarios) or None
                try:
                    args = project.import_arguments()
                    workbooks, mappings = _workbooks_of(args), _mappings_of(args)
                except (ProjectError, ValueError, TypeError):
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
            remember_project_file(project.path)
        if prepared is not None:
            vs.restore(self)
        self._sync_timer.start()
        self._update_actions()
        self.projectChanged.emit(project)
        self._show_notices(created)
        self.opened.emit(str(project.path))

    def _show_notices(self, created: bool) -> None:
        p = self.project
        parts, actions, level = [], [], "info"
        if p.recovered is not None:
            parts.append(p.recovered.message)
            level = "warning"
        if p.read_only:
            parts.append(f"{p.path.name} is open read-only: changes you make are not saved to it "
                         "(File > Save Project As… makes a copy you can change).")
            level = "warning"
        if self.is_untitled and not created:
            parts.append("This is the work of a session that was not saved in a project file: File > Save Project "
                         "keeps it in a file you name.")
            level = "warning"
        if self.changes and not p.read_only:
            names = "; ".join(c.describe() for c in self.changes[:5])
            more = f" (and {len(self.changes) - 5} more)" if len(self.changes) > 5 else ""
            parts.append(f"The source workbooks changed since they were imported: {names}{more}.")
            actions.append(("Show Changes…", self.reimport))
        if parts:
            self.bar.show_message("<br>".join(_html(t) for t in parts), level, actions)
        else:
            self.bar.hide()
        name = p.path.name
        if p.recovered is not None:
            self.status(p.recovered.message, 0)
        elif self.is_untitled and created:
            self.status("Your edits are autosaved (File > Save Project keeps them in a project file you name)", 15000)
        elif created:
            self.status(f"Created the project {name}: every change is now saved as it happens", 15000)
        else:
            n = self.session.prepared.n_lines if self.session.prepared is not None else 0
            self.status(f"Opened {name}: {n:,} line items, {len(p.scenarios)} scenario"
                        f"{'s' * (len(p.scenarios) != 1)}" + (f"; {len(self.changes)} source workbook(s) changed"
                                                              if self.changes else ""), 15000)

    def _detach(self, close: bool = True) -> None:
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

    def _on_dataset_changed(self) -> None:
        """Workbooks opened by the main window replace the project's data: the project is closed
        (its edits stay in the file) and the window works on the workbooks.  A request edited in
        the app (same plan and line items) is written to the project instead."""
        if self._suspend:
            return
        if self.project is None:
            if self.session.last_data_change == "edit":  # a request edited with no project: autosave it
                ut.start_untitled(self)
            return
        self._sync_dataset()

    # -- unsaved edits --------------------------------------------------------------------------------
    def ask_unsaved(self, then: Callable[[str], None]) -> None:
        """Save / Don't Save / Cancel when the project has unsaved edits; `then(choice)` with
        "none" (nothing to ask), "save", "discard" or "cancel"."""
        p = self.project
        n = self._unsaved()
        if p is None or p.closed or p.read_only or n == 0:
            then("none")
            return
        if self.is_untitled:
            ut.ask_untitled(self, then)
            return
        if self.confirm_unsaved is not None:
            then(self.confirm_unsaved())
            return
        box = unsaved_box(self.main, p.path.name, n)
        choices = {box.button(QMessageBox.StandardButton.Save): "save",
                   box.button(QMessageBox.StandardButton.Discard): "discard"}
        self._show_box(box, lambda b: then(choices.get(b, "cancel")))

    def _apply_choice(self, choice: str) -> None:
        p = self.project
        if p is None or p.closed:
            return
        if self.is_untitled:
            if choice == "discard":  # Don't Save: the untitled session's file goes
                path = p.path
                self._detach()
                ut.discard_untitled(path)
            return
        if choice == "save":
            p.save()
        elif choice == "discard":
            p.revert_to_saved()

    def close_project(self, then: Callable[[], None] | None = None) -> None:
        """Close the project (asking about unsaved edits); `then()` runs unless cancelled."""
        def done(choice):
            if choice == "cancel":
                return
            try:
                self._apply_choice(choice)
            except ProjectError as exc:
                self.status(str(exc))
            self._detach()
            if then is not None:
                then()
        self.ask_unsaved(done)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if obj is self.main and event.type() == QEvent.Type.Close:
            if self._untitled_task is not None:  # the untitled file is being created: close when it is open
                self._close_after_create = True
                event.ignore()
                return True
            p = self.project
            if (p is None or p.closed) and self._untitled_failed and not self._close_confirmed \
                    and self.session.undo_stack.count() > 0:  # edits that are in no file: ask all the same
                event.ignore()
                ut.ask_without_file(self, self._closing_answered)
                return True
            if p is None or p.closed:
                self._close_confirmed = False
                return False
            if self._close_confirmed or p.read_only or self._unsaved() == 0:
                self._close_confirmed = False
                self._detach()
                return False

            def answered(choice):
                if choice == "cancel":
                    self.status("Close cancelled")
                    return
                try:
                    self._apply_choice(choice)
                except ProjectError as exc:
                    self.status(str(exc))
                self._close_confirmed = True
                QTimer.singleShot(0, self.main.close)  # a close() inside the close event would be ignored
            event.ignore()
            self.ask_unsaved(answered)
            return True
        return super().eventFilter(obj, event)

    def _closing_answered(self, choice: str) -> None:
        if choice == "cancel":
            self.status("Close cancelled")
            return
        self._close_confirmed = True
        QTimer.singleShot(0, self.main.close)

    def shutdown(self) -> None:
        """Application quit: close the project cleanly (its edits are in the file either way; an
        untitled session's file stays and is offered at the next start)."""
        self._stopped = True
        if self.project is not None:
            self._detach()

    # -- running work off the GUI thread -------------------------------------------------------------
    def _run(self, fn, on_done, on_failed, busy_text: str = "") -> FunctionTask:
        task = FunctionTask(fn)
        self._tasks.add(task)
        self._set_busy(+1)
        if busy_text:
            self.status(busy_text, 0)

        def finish(handler, value):
            self._tasks.discard(task)
            self._set_busy(-1)
            handler(value)
        task.signals.finished.connect(lambda r: finish(on_done, r))
        task.signals.failed.connect(lambda e: finish(on_failed, e))
        QThreadPool.globalInstance().start(task)
        return task

    def _failed(self, title: str, error) -> None:
        """A ProjectError's message (no traceback), or the details of an unexpected failure."""
        self._close_progress()
        if isinstance(error, ProjectError):
            text = str(error)
            box = QMessageBox(QMessageBox.Icon.Critical, title, text, QMessageBox.StandardButton.Close, self.main)
        else:
            text = "Something went wrong; nothing was changed."
            box = QMessageBox(QMessageBox.Icon.Critical, title, text, QMessageBox.StandardButton.Close, self.main)
            box.setDetailedText(str(error))
        self._show_box(box)
        self.status(f"{title}: {text}")
        self.failed.emit(text)

    # -- File > New Project ---------------------------------------------------------------------------
    def new_project_dialog(self) -> None:
        if not self.session.loaded:
            self.status("Open workbooks first: a new project keeps the data of the workbooks that are open")
            return
        start = str(Path(st.get_str(st.KEY_LAST_DIR, "")) / f"{self._default_name()}.kcplan")
        path, _ = QFileDialog.getSaveFileName(self.main, "New project", start, PROJECT_FILTER)
        if path:
            self.new_project(path)

    def _default_name(self) -> str:
        ds = self.session.dataset
        city = ds.plan.settings.city if ds is not None else None
        return f"{city} budget" if city else "Budget"

    def new_project(self, path: str | Path) -> None:
        """Project.create from the open workbooks' dataset, their paths and the session's scenarios."""
        path = Path(path)
        if not path.suffix:
            path = path.with_suffix(".kcplan")
        if not self.session.loaded:
            return
        if self.is_untitled:  # the untitled session holds these data already: name it
            self.save_project_as(path)
            return
        if self.project is not None and not self.project.closed and path.resolve() == self.project.path.resolve():
            self._failed("Could not create the project", ProjectError(
                f"{path}: that project is open in this kcplanner; use File > Save Project As… for a copy"))
            return

        def go(choice):
            if choice == "cancel":
                return
            dataset = self.session.dataset
            workbooks = self.session.project
            sources = ({"plan": workbooks.plan, "budgets": list(workbooks.budgets)} if workbooks is not None
                       else None)
            scenarios = list(self.session.scenarios)
            prepared = self.session.prepared
            mappings = list(self.session.mappings) or None  # kept for re-import
            narratives = {rid: d for rid, d in self._panel_narratives().values()}

            def job(_task):
                return Project.create(path, dataset, sources, mappings=mappings, scenarios=scenarios,
                                      narratives=narratives)

            def done(project):
                if self.session.prepared is not prepared:  # workbooks were opened meanwhile
                    project.close()
                    return
                # autosaved meanwhile as the untitled session: the new project has it all
                self._replace_current("discard" if self.is_untitled and choice == "none" else choice)
                self._attach(project, created=True)
            self._run(job, done, lambda e: self._failed("Could not create the project", e),
                      f"Creating {path.name}…")
        self.ask_unsaved(go)

    def _replace_current(self, choice: str) -> None:
        """A new project replaces the open one: apply the Save/Don't Save answer, close it."""
        if self.project is not None:
            try:
                self._apply_choice(choice)
            except ProjectError as exc:
                self.status(str(exc))
            self._detach()

    # -- File > Open Project ------------------------------------------------------------------------
    def open_project_dialog(self) -> None:
        start = last_project_file() or st.get_str(st.KEY_LAST_DIR, "")
        path, _ = QFileDialog.getOpenFileName(self.main, "Open a project", start, PROJECT_FILTER)
        if path:
            self.open_project(path)

    def open_project(self, path: str | Path, *, read_only: bool = False, take_over: bool = False,
                     on_failure: Callable[[], None] | None = None) -> None:
        """Open a .kcplan on a worker (no workbook is read), then show its data and scenarios.
        ProjectError → a message (with Open read-only / Open anyway where the error allows)."""
        path = Path(path)
        if self.project is not None and not self.project.closed and path.exists() \
                and path.resolve() == self.project.path.resolve() and not read_only:
            self.status(f"{path.name} is already open")
            return

        def go(choice):
            if choice == "cancel":
                return

            def job(_task):
                project = Project.open(path, read_only=read_only, take_over=take_over)
                try:
                    dataset = project.dataset
                    from kcplanner.engine import prepare
                    prepared = prepare(dataset)
                    prepared.baseline_results()
                    try:
                        changes = project.changed_sources() if not project.read_only else []
                    except (OSError, ProjectError):
                        changes = []
                except BaseException:
                    try:
                        project.close()
                    except Exception:  # noqa: BLE001 - the first error is the one to show
                        pass
                    raise
                return Opened(project, prepared, changes)

            def done(opened: Opened):
                self._replace_current(choice)
                self._attach(opened.project, opened.prepared, opened.changes)

            def fail(error):
                self._open_failed(path, error, on_failure)
            self._run(job, done, fail, f"Opening {path.name}…")
        self.ask_unsaved(go)

    def _open_failed(self, path: Path, error, on_failure) -> None:
        if not isinstance(error, ProjectError):
            self._failed("Could not open the project", error)
            if on_failure is not None:
                on_failure()
            return
        box, roles = open_error_box(self.main, error)
        self.status(f"Could not open {path.name}")
        self.failed.emit(str(error))

        def answered(button):
            role = roles.get(button)
            if role == "read_only":
                self.open_project(path, read_only=True, on_failure=on_failure)
            elif role == "take_over":
                self.open_project(path, take_over=True, on_failure=on_failure)
            elif on_failure is not None:
                on_failure()
        self._show_box(box, answered)

    # -- File > Save / Save As ------------------------------------------------------------------------
    def save_project(self) -> None:
        p = self.project
        if p is None or p.closed:  # Save with no project: make one (asks for the file name)
            self.new_project_dialog()
            return
        if p.read_only:
            self.status(f"{p.path.name} is open read-only: use File > Save Project As… for a copy")
            return
        if self.is_untitled:  # Save on the untitled session = Save As a file the analyst names
            self.save_project_as_dialog()
            return
        vs.store(self)
        try:
            self._record()
            self._write_narratives()
            point = p.save()
        except ProjectError as exc:
            self._failed("Could not save the project", exc)
            return
        self.history.schedule()
        self._update_actions()
        self.status(f"Saved {p.path.name} ({point.time} UTC)", 8000)

    def save_project_as_dialog(self) -> None:
        p = self.project
        if p is None or p.closed:
            self.new_project_dialog()
            return
        if self.is_untitled:
            path = self.choose_save_path() if self.choose_save_path is not None else \
                self._ask_project_path("Save the project as")
        else:
            path, _ = QFileDialog.getSaveFileName(self.main, "Save the project as", str(p.path), PROJECT_FILTER)
        if path:
            self.save_project_as(path)

    def _ask_project_path(self, title: str) -> str:
        start = str(Path(st.get_str(st.KEY_LAST_DIR, "")) / f"{self._default_name()}.kcplan")
        path, _ = QFileDialog.getSaveFileName(self.main, title, start, PROJECT_FILTER)
        return path

    def save_project_as(self, path: str | Path) -> None:
        p = self.project
        if p is None or p.closed:
            return
        path = Path(path)
        if not path.suffix:
            path = path.with_suffix(".kcplan")
        was_read_only = p.read_only
        keep = not self.is_untitled  # an untitled session being named: its untitled file goes
        if not was_read_only:
            self._record()
            self._write_narratives()
            vs.store(self)

        def job(_task):
            p.save_as(path, keep_original=keep)
            return p

        def done(project):
            remember_project_file(project.path)
            if was_read_only and not project.read_only:
                self._record()  # the copy is writable: what is on screen goes in
                self._write_narratives()
            self.history.set_project(project)
            self.bar.hide()
            self._update_actions()
            self.projectChanged.emit(project)
            self.status(f"Saved the project as {project.path}", 10000)
        self._run(job, done, lambda e: self._failed("Could not save the project", e), f"Saving {path.name}…")

    # -- Re-import --------------------------------------------------------------------------------------
    def reimport(self) -> None:
        """Read the source workbooks again (worker), show what changed, take the new data on OK."""
        p = self.project
        if p is None or p.closed or p.read_only or self.busy:
            return
        changes = list(self.changes)

        def job(task: FunctionTask):
            from kcplanner.project import diff_datasets
            from kcplanner.readers import read_dataset
            args = p.import_arguments()
            result = read_dataset(args.plan, list(args.budgets), args.mappings,
                                  progress=lambda f, t: task.signals.progress.emit(float(f), str(t)),
                                  cancelled=task.cancel_flag.is_set)
            diff = diff_datasets(p.dataset, result.dataset) if result.dataset is not None else None
            return Preview(args, result, diff, changes)

        task = self._run(job, self._preview_ready, self._reimport_failed, "Reading the workbooks again…")
        self._open_progress(task, "Reading the source workbooks…")

    def _open_progress(self, task: FunctionTask, text: str) -> None:
        self._close_progress()
        dlg = QProgressDialog(text, "Cancel", 0, 1000, self.main)
        dlg.setWindowTitle("Re-import")
        dlg.setMinimumDuration(PROGRESS_DELAY_MS)
        dlg.setWindowModality(Qt.WindowModality.WindowModal)
        dlg.setAutoClose(False)
        dlg.setAutoReset(False)
        dlg.canceled.connect(task.cancel_flag.set)
        task.signals.progress.connect(lambda f, t: (dlg.setLabelText(t), dlg.setValue(int(f * 1000))))
        dlg.setValue(0)
        self._progress = dlg

    def _close_progress(self) -> None:
        if self._progress is not None:
            self._progress.canceled.disconnect()
            self._progress.close()
            self._progress.deleteLater()
            self._progress = None

    def _reimport_failed(self, error) -> None:
        self._close_progress()
        if isinstance(error, str) and "Cancelled" in error:
            self.status("Re-import cancelled; nothing was changed")
            return
        self._failed("Could not read the workbooks", error)

    def _preview_ready(self, preview: Preview) -> None:
        self._close_progress()
        if self.project is None or self.project.closed:
            return
        if preview.diff is None:
            from ..common.dialogs import ReportDialog
            report = preview.result.report
            dlg = ReportDialog(report, "Re-import — the workbooks have errors", False, self.main)
            self.reimport_dialog = None
            self._report_dialog = dlg
            dlg.open()
            self.status(f"Not re-imported: {len(report.errors)} error(s) in the workbooks; the project's data "
                        "are unchanged", 15000)
            self.failed.emit("the workbooks have errors")
            return
        dlg = ReimportDialog(preview.diff, preview.changes, self.main)
        if self.reimport_dialog is not None:
            self.reimport_dialog.close()
        self.reimport_dialog = dlg
        dlg.accepted.connect(lambda: self.take_new_data(preview))
        dlg.open()
        self.reimportReady.emit(preview)

    def take_new_data(self, preview: Preview) -> None:
        """`project.replace_dataset` (worker), then the session gets the new data with the same scenarios."""
        p = self.project
        if p is None or p.closed:
            return
        self._record()
        args = preview.args
        dataset = preview.result.dataset

        def job(_task):
            from kcplanner.engine import prepare
            report = p.replace_dataset(dataset, {"plan": args.plan, "budgets": list(args.budgets)})
            prepared = prepare(dataset)
            prepared.baseline_results()
            return report, prepared

        def done(value):
            report, prepared = value
            if self.project is not p:
                return
            current = self.session.state.current
            scenarios = tuple(p.scenarios) or None
            self._suspend += 1
            try:
                self.session.set_data(prepared, preview.result.report, _workbooks_of(args), scenarios,
                                      mappings=_mappings_of(args))
                self.session.select_scenario(current)
            finally:
                self._suspend -= 1
            self.prepared = prepared
            self._workbooks_ref = self.session.project
            self._load_serial = self.session.load_serial
            self._index = self.session.undo_stack.index()
            self.changes = []
            self.bar.hide()
            self.history.schedule()
            self.history.refresh(full=True)
            self._update_actions()
            self.status(f"Re-imported the workbooks: {report.diff.summary()}", 15000)
            if report.invalid:
                self._show_box(invalid_box(self.main, report.invalid))
            self.reimported.emit(report)
        self._run(job, done, lambda e: self._failed("Could not take the new data", e), "Taking the new data…")


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


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
