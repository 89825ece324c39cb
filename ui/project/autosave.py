"""Autosave: every edit goes to the project's journal as it happens, with its audit row.  The undo
stack's index (push, merge, undo, redo) → `apply_scenarios` with the command's merge key; a deferred
check catches changes that did not go through the stack; requests edited in the app →
`update_dataset`; other data loaded → the project is closed; the one-second `sync`.  The first edit
with no project starts the untitled session (ui/project/untitled.py)."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox

from kcplanner.project import ProjectError, describe_change

from . import untitled as ut
from .apply import _merge_key_text, apply_scenarios
from .recent import forget_last_project_file
from .where import display_name, is_shared

SYNC_INTERVAL_MS = 1000
#: In a shared project each save is a version seen by everyone: the steps of a slider drag (one merge
#: key) are saved once the drag pauses this long (or when another edit comes), not step by step.
DRAG_SAVE_DELAY_MS = 400
REQUEST_TABLES = ["budget.requests", "budget.request_costs"]  # what the app edits in the data


class AutosaveMixin:
    """The session's edits → the open project's journal (audited), as they happen."""

    def _schedule_view(self, *_args) -> None:
        if self._writable():
            self._view_timer.start()

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
            self._drag_timer.stop()
            cmd = stack.command(index) if index < stack.count() else None
            text = cmd.text() if cmd is not None else ""
            self._record(None, (lambda b, a: f"Undo “{text}”: {describe_change(b, a)}") if text else None,
                         undoable=False)
        else:
            cmd = stack.command(index - 1) if index > 0 else None
            key = _merge_key_text(getattr(cmd, "merge_key", None)) if cmd is not None else None
            if key is not None and is_shared(self.project):  # a drag: one version when it pauses
                if self._drag_timer.isActive() and key != self._drag_key:
                    self._drag_timer.stop()
                    self._record(self._drag_key, None, undoable=True)
                self._drag_key = key
                self._drag_timer.start()
                return
            self._drag_timer.stop()
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
            name = display_name(self.project)
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
                refused = self.save_refused  # a shared project: the role, the workflow or a newer version
                if refused is None or not refused(exc, self._sync_dataset):
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
            refused = self.save_refused
            if refused is not None and refused(exc, lambda: self._record(merge_key, describe, undoable)):
                return 0
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

    def sync(self) -> None:
        """The one-second timer: make the journal survive a power loss too."""
        p = self.project
        if p is not None and not p.closed and p.needs_sync:
            try:
                p.sync()
            except ProjectError as exc:  # pragma: no cover - sync swallows SQLite errors itself
                self.status(str(exc))

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
