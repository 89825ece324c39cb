"""The untitled session: the app never loses an edit, even with no project open (docs/ui-project.md).

From the first edit of a session that has no project (the state `make run` starts in: the bundled
sample), the edits go to an untitled project in the user's data folder
(`QStandardPaths.AppDataLocation`/untitled, or `$KCPLANNER_DATA_DIR/untitled`; tests point it at
tmp_path), through the same autosave journal as any project.  Closing asks Save (= Save As a file
the analyst names) / Don't Save (the untitled file is deleted) / Cancel.  If kcplanner dies, the
next start finds the untitled file (no running kcplanner holds its lock) and offers to recover it.

    start_app(window)                    # ui/project/startup.py (from ui/app.py): recover one, else the usual start
    start_untitled(controller)           # the controller, on the first edit with no project
"""

from __future__ import annotations

import contextlib
import os
from datetime import datetime
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QMessageBox

from kcplanner.project import Project, ProjectError
from kcplanner.project.lock import holder, lock_path

from .recent import remember_project_file

ENV_DATA_DIR = "KCPLANNER_DATA_DIR"
SUBFOLDER = "untitled"


def data_dir() -> Path:
    """The user's kcplanner data folder ($KCPLANNER_DATA_DIR, else QStandardPaths.AppDataLocation)."""
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env)
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation))


def untitled_dir(create: bool = False) -> Path:
    folder = data_dir() / SUBFOLDER
    if create:
        folder.mkdir(parents=True, exist_ok=True)
    return folder


def new_untitled_path() -> Path:
    stamp = datetime.now().strftime("%Y-%m-%d %H%M%S")
    return untitled_dir(create=True) / f"Untitled {stamp} {os.getpid()}.kcplan"


def is_untitled(path: str | Path | None) -> bool:
    if path is None:
        return False
    try:
        return Path(path).resolve().parent == untitled_dir().resolve()
    except OSError:
        return False


def recoverable_untitled() -> list[Path]:
    """Untitled projects no running kcplanner has open (a crash, a kill, a quit without an answer),
    newest first."""
    folder = untitled_dir()
    if not folder.is_dir():
        return []
    found = [p for p in folder.glob("*.kcplan") if p.is_file() and holder(p) is None]
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def discard_untitled(path: str | Path) -> None:
    """Delete an untitled project, its -wal/-shm and its lock file (never one a kcplanner has open)."""
    path = Path(path)
    if not is_untitled(path) or holder(path) is not None:
        return
    for p in (path, Path(str(path) + "-wal"), Path(str(path) + "-shm"), Path(str(path) + "-journal"),
              lock_path(path)):
        with contextlib.suppress(FileNotFoundError, OSError):
            os.remove(p)


def describe_untitled(path: Path) -> str:
    """"14 edits, the last at 2026-12-02 09:14 (scenarios: Baseline, Police plan)" from a read-only look."""
    try:
        with Project.open(path, read_only=True) as ro:
            edits = [h for h in ro.history() if h.is_edit]
            n = ro.unsaved_edits  # the edits since it was created, as the recovery message counts them
            names = ro.scenario_names
    except ProjectError as exc:
        return f"it cannot be read: {exc}"
    last = edits[-1].time.replace("T", " ")[:16] + " UTC" if edits else "—"
    shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
    return (f"{n} edit{'s' * (n != 1)}, the last at {last}; scenario{'s' * (len(names) != 1)}: {shown}")


# -- message boxes ------------------------------------------------------------------------------------

def recover_box(parent, path: Path) -> tuple[QMessageBox, dict]:
    """Recover / Discard / Not Now for an untitled session left by a kcplanner that did not close."""
    box = QMessageBox(QMessageBox.Icon.Warning, "Recover your unsaved work?",
                      "kcplanner did not close normally last time, and the work of a session that was not "
                      "saved in a project file was kept: " + describe_untitled(path) + ".",
                      QMessageBox.StandardButton.NoButton, parent)
    box.setInformativeText("Recover opens it as it was (then File > Save Project names it). Discard deletes it. "
                           f"Not Now keeps it for the next start (in {path.parent}).")
    roles = {box.addButton("Recover", QMessageBox.ButtonRole.AcceptRole): "recover",
             box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole): "discard",
             box.addButton("Not Now", QMessageBox.ButtonRole.RejectRole): "later"}
    box.setDefaultButton(next(b for b, r in roles.items() if r == "recover"))
    return box, roles


def untitled_close_box(parent, count: int) -> QMessageBox:
    """Save / Don't Save / Cancel for an untitled session."""
    box = QMessageBox(QMessageBox.Icon.Question, "Save your work?",
                      f"This session has {count} change{'s' * (count != 1)} that {'are' if count != 1 else 'is'} not "
                      "saved in a project file: scenarios, rules, funded requests and justifications.",
                      QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                      | QMessageBox.StandardButton.Cancel, parent)
    box.setInformativeText("Save… keeps them in a project file you name. Don't Save deletes them. Cancel keeps "
                           "the window open.")
    box.button(QMessageBox.StandardButton.Save).setText("Save…")
    box.button(QMessageBox.StandardButton.Discard).setText("Don't Save")
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    return box


# -- the controller's side -----------------------------------------------------------------------------

def start_untitled(c) -> bool:
    """The first edit with no project: create the untitled project (on a worker) holding the data,
    the scenarios as they were before the edit, and the narratives; when it is open the edits made
    since go in with audit rows (`_attach` → `_record`).  True when a creation started."""
    s = c.session
    if (c.project is not None or c._untitled_task is not None or not s.loaded or c._suspend
            or not c.autosave_untitled or c._stopped):
        return False
    stack = s.undo_stack
    base = stack.command(0).old.scenarios if stack.count() > 0 and hasattr(stack.command(0), "old") \
        else s.scenarios
    dataset, workbooks, serial, prepared = s.dataset, s.project, s.load_serial, s.prepared
    sources = {"plan": workbooks.plan, "budgets": list(workbooks.budgets)} if workbooks is not None else None
    mappings = list(s.mappings) or None
    narratives = {rid: d for rid, d in c._panel_narratives().values()}
    try:
        path = new_untitled_path()
    except OSError as exc:
        c._untitled_failed = True
        c.status(f"Your edits cannot be autosaved: the data folder cannot be created ({exc.strerror or exc})", 0)
        return False

    def job(_task):
        return Project.create(path, dataset, sources, mappings=mappings, scenarios=list(base),
                              narratives=narratives)

    def done(project):
        import shiboken6
        if not shiboken6.isValid(c) or not shiboken6.isValid(c.main) or c._stopped:
            project.close()  # the window went meanwhile (quit): the file stays, offered at the next start
            return
        c._untitled_task = None
        if s.load_serial != serial or c.project is not None:  # other data were loaded meanwhile
            project.close()
            discard_untitled(path)
        else:
            c._attach(project, created=True)
            if s.prepared is not prepared and c.project is project:  # requests edited meanwhile: write them
                c.prepared = prepared
                c._record()
        if c._close_after_create:
            c._close_after_create = False
            from PySide6.QtCore import QTimer
            QTimer.singleShot(0, c.main.close)

    def failed(error):
        import shiboken6
        if not shiboken6.isValid(c) or not shiboken6.isValid(c.main):
            return
        c._untitled_task = None
        c._untitled_failed = True
        if c._close_after_create:
            c._close_after_create = False
            from PySide6.QtCore import QTimer
            QTimer.singleShot(0, c.main.close)
        c.status(f"Your edits cannot be autosaved: {error if isinstance(error, ProjectError) else 'unexpected error'}",
                 0)

    c._untitled_task = c._run(job, done, failed)
    return True


def ask_untitled(c, then: Callable[[str], None]) -> None:
    """Close/replace an untitled session: Save… (Save As, the untitled file goes) → then("none");
    Don't Save → then("discard"); Cancel (or no file chosen) → then("cancel")."""
    count = max(1, c._unsaved())

    def answered(choice: str) -> None:
        if choice == "save":
            then("none" if save_untitled_as(c) else "cancel")
        else:
            then(choice)
    if c.confirm_unsaved is not None:  # tests: an answer without a box
        choice = c.confirm_unsaved()
        if choice == "save" and c.choose_save_path is None:
            then("none")  # no file name can be asked without blocking: keep the untitled file (offered at start)
            return
        answered(choice)
        return
    box = untitled_close_box(c.main, count)
    choices = {box.button(QMessageBox.StandardButton.Save): "save",
               box.button(QMessageBox.StandardButton.Discard): "discard"}
    c._show_box(box, lambda b: answered(choices.get(b, "cancel")))


def ask_without_file(c, then: Callable[[str], None]) -> None:
    """Edits that could not be autosaved (the data folder cannot be written): the same question;
    Save… writes a new project at the name chosen (synchronously) → then("none")."""
    def answered(choice: str) -> None:
        if choice != "save":
            then(choice)
            return
        path = c.choose_save_path() if c.choose_save_path is not None else c._ask_project_path("Save your work as")
        if not path:
            then("cancel")
            return
        path = Path(path) if Path(path).suffix else Path(path).with_suffix(".kcplan")
        s = c.session
        workbooks = s.project
        sources = {"plan": workbooks.plan, "budgets": list(workbooks.budgets)} if workbooks is not None else None
        try:
            Project.create(path, s.dataset, sources, mappings=list(s.mappings) or None, scenarios=list(s.scenarios),
                           narratives={rid: d for rid, d in c._panel_narratives().values()}).close()
        except ProjectError as exc:
            c._failed("Could not save the project", exc)
            then("cancel")
            return
        remember_project_file(path)
        then("none")
    if c.confirm_unsaved is not None:
        answered(c.confirm_unsaved())
        return
    box = untitled_close_box(c.main, max(1, c.session.undo_stack.count()))
    choices = {box.button(QMessageBox.StandardButton.Save): "save",
               box.button(QMessageBox.StandardButton.Discard): "discard"}
    c._show_box(box, lambda b: answered(choices.get(b, "cancel")))


def save_untitled_as(c) -> bool:
    """Ask for a file name (c.choose_save_path, else a file dialog) and Save As there (synchronous:
    the close waits for it); True when saved."""
    p = c.project
    if p is None or p.closed:
        return True
    path = c.choose_save_path() if c.choose_save_path is not None else c._ask_project_path("Save your work as")
    if not path:
        c.status("Not saved: no file was chosen")
        return False
    path = Path(path)
    if not path.suffix:
        path = path.with_suffix(".kcplan")
    try:
        c._record()
        c._write_narratives()
        p.save_as(path, keep_original=False)
    except ProjectError as exc:
        c._failed("Could not save the project", exc)
        return False
    remember_project_file(p.path)
    c._update_actions()
    c.status(f"Saved the project as {p.path}", 10000)
    return True
