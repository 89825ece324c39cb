"""Exports on a worker thread: File > Export scenario… (the current scenario's live workbook, with
the open project's History sheet), Export comparison… (two scenarios side by side) and Write back to
department workbooks… (each budget workbook copied with the scenario's amounts added).

One export at a time, with a non-modal progress dialog (the window stays usable) and Cancel;
`exportFinished(list)` gives the files written ([] when it failed or was cancelled).  The writing
itself is kcplanner.exports.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QThreadPool, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog

from kcplanner.atomic import OutputError

from ..common import settings as st
from ..common.progress import close_progress, job_progress
from ..common.workers import JobTask
from ..scenarios.files import safe_name


class ExportsController(QObject):
    """The window's exports (kcplanner.exports, on a worker thread)."""

    exportFinished = Signal(list)  # the files an export wrote ([] when it failed or was cancelled)

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.session = window.session
        self.export_task: JobTask | None = None
        self.export_progress: QProgressDialog | None = None
        self.export_box: QMessageBox | None = None
        action = window.make_action
        self.export_scenario_action = action(
            "&Export scenario…", self.export_scenario_dialog, "Ctrl+E",
            "Write the current scenario as a live Excel workbook (funds, departments, KPIs, charts, line items, "
            "rules; with a project open, its history)")
        self.export_comparison_action = action(
            "Export &comparison…", self.export_comparison_dialog, None,
            "Write the current scenario and another one side by side, with the differences (.xlsx)")
        self.write_back_action = action(
            "&Write back to department workbooks…", self.write_back_dialog, None,
            "Copy each department's budget workbook into a folder with the current scenario's amounts added")

    def window_closing(self) -> None:
        """The window closes: a running export stops (no file is changed)."""
        if self.export_task is not None:
            self.export_task.cancel()

    def _export_target(self, title: str, name: str, filter_: str) -> str | None:
        start = str(Path(st.get_str(st.KEY_LAST_DIR, "")) / name)
        path, _ = QFileDialog.getSaveFileName(self.window, title, start, filter_)
        if not path:
            return None
        if not Path(path).suffix:
            path += ".xlsx"
        st.set_value(st.KEY_LAST_DIR, str(Path(path).parent))
        return path

    def _can_export(self) -> bool:
        if not self.session.loaded:
            self.window.statusBar().showMessage("Open workbooks first", 5000)
            return False
        if self.export_task is not None:
            self.window.statusBar().showMessage("An export is running; wait for it or cancel it", 5000)
            return False
        self.session.flush()
        return True

    def _history_rows(self):
        """The open project's audit trail (read here, on the GUI thread that owns the connection)."""
        controller = getattr(self.window, "project_controller", None)
        p = controller.project if controller is not None else None
        if p is None or p.closed:
            return None
        try:
            controller._record()  # everything on screen is in the trail
            return p.export_history_rows()
        except Exception:  # noqa: BLE001 - the export goes on without the history sheet
            return None

    def export_scenario_dialog(self) -> None:
        if not self._can_export():
            return
        path = self._export_target("Export the scenario", f"{safe_name(self.session.scenario.name)}.xlsx",
                                   "Excel workbooks (*.xlsx)")
        if path:
            self.export_scenario(path)

    def export_scenario(self, path: str) -> JobTask | None:
        """The current scenario's workbook (with the project's History sheet when one is open)."""
        if not self._can_export():
            return None
        from kcplanner.exports import export_scenario

        prepared, results = self.session.prepared, self.session.results
        history = self._history_rows()

        def job(progress, cancelled):
            export_scenario(prepared, results, path, progress=progress, cancelled=cancelled, history_rows=history)
            return [path]
        return self._run_export("Exporting the scenario", job)

    def export_comparison_dialog(self) -> None:
        if not self._can_export():
            return
        names = [s.name for i, s in enumerate(self.session.scenarios) if i != self.session.state.current]
        if not names:
            QMessageBox.information(self.window, "Export comparison", "There is only one scenario: make another one "
                                    "(Scenario > New or Duplicate) to compare with.")
            return
        from PySide6.QtWidgets import QInputDialog

        other, ok = QInputDialog.getItem(self.window, "Export comparison",
                                         f"Compare “{self.session.scenario.name}” with:", names, 0, False)
        if not ok:
            return
        path = self._export_target("Export the comparison",
                                   safe_name(f"{self.session.scenario.name} vs {other}") + ".xlsx",
                                   "Excel workbooks (*.xlsx)")
        if path:
            self.export_comparison(other, path)

    def export_comparison(self, other: str, path: str) -> JobTask | None:
        """The current scenario (A) and the scenario named `other` (B) side by side, B − A."""
        if not self._can_export():
            return None
        from kcplanner.exports import export_comparison

        scenario = next((s for s in self.session.scenarios if s.name == other), None)
        if scenario is None:
            return None
        prepared = self.session.prepared
        a, b = self.session.results, self.session.results_for(scenario)

        def job(progress, cancelled):
            export_comparison(prepared, a, b, path, progress=progress, cancelled=cancelled)
            return [path]
        return self._run_export("Exporting the comparison", job)

    def department_workbooks(self) -> list[Path]:
        """The budget workbooks the dataset was read from (write back takes .xlsx and .xlsm)."""
        from kcplanner.exports.writeback import WRITE_BACK_SUFFIXES

        ds = self.session.dataset
        if ds is None:
            return []
        plan = self.session.project.plan if self.session.project is not None else None
        plan = Path(plan).resolve() if plan else None
        out = []
        for p in ds.sources:
            p = Path(p)
            if p.suffix.lower() in WRITE_BACK_SUFFIXES and (plan is None or p.resolve() != plan) and p not in out:
                out.append(p)
        return sorted(out)

    def write_back_dialog(self) -> None:
        if not self._can_export():
            return
        if not self.department_workbooks():
            QMessageBox.information(self.window, "Write back", "None of the budget files is an Excel workbook "
                                    "(.xlsx, .xlsm) that can be written back to.")
            return
        folder = QFileDialog.getExistingDirectory(self.window, "Write the department workbooks into a folder",
                                                  st.get_str(st.KEY_LAST_DIR, ""))
        if folder:
            self.write_back(folder)

    def write_back(self, folder: str) -> JobTask | None:
        """Each department workbook, copied into `folder` as `<name> - <scenario>.xlsx` with the
        scenario's amounts added (kcplanner.exports.write_back)."""
        if not self._can_export():
            return None
        from kcplanner.exports import write_back, write_back_targets

        books = self.department_workbooks()
        dataset, results = self.session.dataset, self.session.results
        name = self.session.scenario.name

        def job(progress, cancelled):
            Path(folder).mkdir(parents=True, exist_ok=True)
            written = []
            targets = write_back_targets(books, folder, name)  # safe names, inside the folder
            for k, book in enumerate(books):
                target = targets[Path(book)]
                part = lambda f, t, k=k: progress((k + f) / len(books), f"{book.name}: {t}")  # noqa: E731
                write_back(book, dataset, results, target, progress=part, cancelled=cancelled)
                written.append(str(target))
            return written
        return self._run_export("Writing back to the department workbooks", job)

    def _run_export(self, title: str, job) -> JobTask:
        task = JobTask(job)
        self.export_task = task
        self.export_progress = job_progress(self.window, title + "…", title, task)
        task.signals.finished.connect(lambda paths, t=task: self._export_done(t, title, paths))
        task.signals.failed.connect(lambda exc, t=task: self._export_failed(t, title, exc))
        task.signals.cancelled.connect(lambda t=task: self._export_cancelled(t))
        self.window.statusBar().showMessage(title + "…")
        QThreadPool.globalInstance().start(task)
        return task

    def _export_end(self, task: JobTask) -> bool:
        if task is not self.export_task:
            return False
        self.export_task = None
        close_progress(self.export_progress)
        self.export_progress = None
        return True

    def _export_done(self, task: JobTask, title: str, paths: list) -> None:
        if not self._export_end(task):
            return
        text = f"Wrote {paths[0]}" if len(paths) == 1 else f"Wrote {len(paths)} workbooks into {Path(paths[0]).parent}"
        self.window.statusBar().showMessage(text, 15000)
        self.exportFinished.emit(list(paths))

    def _export_failed(self, task: JobTask, title: str, exc) -> None:
        if not self._export_end(task):
            return
        from kcplanner.exports import ExportError

        if isinstance(exc, (OutputError, ExportError, OSError)):
            box = QMessageBox(QMessageBox.Icon.Warning, "Could not export", str(exc),
                              QMessageBox.StandardButton.Close, self.window)
        else:
            box = QMessageBox(QMessageBox.Icon.Critical, "Could not export",
                              "The export failed; no file was changed.", QMessageBox.StandardButton.Close, self.window)
            box.setDetailedText(getattr(exc, "details", "") or repr(exc))
        self.export_box = box
        box.open()
        self.window.statusBar().showMessage(f"{title} failed: {exc}", 10000)
        self.exportFinished.emit([])

    def _export_cancelled(self, task: JobTask) -> None:
        if not self._export_end(task):
            return
        self.window.statusBar().showMessage("Export cancelled; no file was changed", 8000)
        self.exportFinished.emit([])
