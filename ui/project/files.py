"""File > New Project…, Open Project…, Save Project and Save Project As…: the file dialogs, the work
on a worker (`Project.create`, `Project.open` + prepare, `save_as`) and what follows (attach, the
open error box with Open read-only / Open anyway)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from PySide6.QtWidgets import QFileDialog

from kcplanner.project import Project, ProjectError, open_project

from ..common import settings as st
from ..common.progress import close_progress, job_progress
from . import viewstate as vs
from .recent import last_project_file, remember_project_file
from .recovery import open_error_box
from .where import display_name, is_shared, is_shared_location, shared_name, url_without_password

PROJECT_FILTER = "kcplanner projects (*.kcplan);;All files (*)"


@dataclass
class Opened:
    project: object  # a ProjectStore: the file's Project or a shared TeamProject
    prepared: object
    changes: list


class FileActionsMixin:
    """New, Open, Save and Save As of the project controller."""

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
        if self.project is not None and not self.project.closed and not is_shared(self.project) \
                and path.resolve() == self.project.path.resolve():
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

    def open_project_dialog(self) -> None:
        last = last_project_file()
        start = last if last and not is_shared_location(last) else st.get_str(st.KEY_LAST_DIR, "")
        path, _ = QFileDialog.getOpenFileName(self.main, "Open a project", start, PROJECT_FILTER)
        if path:
            self.open_project(path)

    def open_project(self, path: str | Path, *, read_only: bool = False, take_over: bool = False,
                     on_failure: Callable[[], None] | None = None) -> None:
        """Open a .kcplan on a worker (no workbook is read), then show its data and scenarios.
        ProjectError → a message (with Open read-only / Open anyway where the error allows).
        A `postgresql://` URL opens the shared project there (`open_shared`)."""
        if is_shared_location(str(path)):
            self.open_shared(str(path), on_failure=on_failure)
            return
        path = Path(path)
        if self.project is not None and not self.project.closed and not is_shared(self.project) and path.exists() \
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

    def open_shared(self, url: str, on_failure: Callable[[], None] | None = None) -> None:
        """Open the shared project at `url` (File > Open Shared Project…, or the recent list) on a
        worker, with a progress dialog: connect, read the data and the scenarios, compute the
        baseline.  A TeamError (server down, login refused, no project there) → its message."""
        if self.complete_url is not None:  # ui/team/: the password from the system keyring, if it has one
            url = self.complete_url(url)
        name = shared_name(url)
        same = self.project is not None and not self.project.closed and is_shared(self.project) \
            and url_without_password(self.project.url) == url_without_password(url)
        if same:
            self.status(f"{name} is already open")
            return

        def go(choice):
            if choice == "cancel":
                return

            def job(task):
                task.report(0.05, f"Connecting to {name}…")
                project = open_project(url)
                try:
                    task.report(0.3, "Reading the budget data…")
                    dataset = project.dataset
                    task.report(0.7, "Computing the baseline…")
                    from kcplanner.engine import prepare
                    prepared = prepare(dataset)
                    prepared.baseline_results()
                    if task.is_cancelled:
                        raise ProjectError(f"{name}: opening was cancelled")
                except BaseException:
                    try:
                        project.close()
                    except Exception:  # noqa: BLE001 - the first error is the one to show
                        pass
                    raise
                return Opened(project, prepared, [])

            def done(opened: Opened):
                close_progress(self._shared_progress)
                self._shared_progress = None
                self._replace_current(choice)
                self._attach(opened.project, opened.prepared, [])

            def fail(error):
                close_progress(self._shared_progress)
                self._shared_progress = None
                self._failed("Could not open the shared project", error)
                if on_failure is not None:
                    on_failure()
            task = self._run(job, done, fail, f"Opening the shared project {name}…")
            self._shared_progress = job_progress(self.main, f"Connecting to {name}…", "Opening the shared project",
                                                 task)
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

    def save_project(self) -> None:
        p = self.project
        if p is None or p.closed:  # Save with no project: make one (asks for the file name)
            self.new_project_dialog()
            return
        if is_shared(p):
            self.status(f"Every change is already on the server ({display_name(p)}): nothing to save", 8000)
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
        if is_shared(p):  # the action is disabled; File > New Project… makes a file of what is on screen
            self.status("A shared project lives on the server: File > New Project… makes a project file of it")
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
