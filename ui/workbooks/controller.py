"""Opening workbooks: File > Open workbooks… / Open folder… / Open with mapping… / Open recent /
Open the sample city, drag and drop (the window hands its drops to `open_paths`), the load on a
worker thread (`LoadTask`) with its progress, the validation report (errors: not loaded; warnings:
Continue or not; File > Validation report shows the last one again), and the recent workbooks.

A budget file in another city's layout goes through the import mapping first (ui/mapping/flow.py).
`loadFinished(bool)` says when a load ended (True: a dataset was loaded).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QThreadPool, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QFileDialog, QMenu, QMessageBox, QProgressBar, QProgressDialog, QStyle

from kcplanner.bundled import mappings_dir, sample_dir

from ..common import settings as st
from ..common.dialogs import OpenDialog, ReportDialog
from ..common.progress import PROGRESS_DELAY_MS
from ..common.settings import Project
from ..common.workers import LoadOutcome, LoadTask
from ..mapping import flow as mapping_flow

SAMPLE_DIR = sample_dir()  # package data (kcplanner/resources/sample): a checkout, a wheel or the bundle


class WorkbooksController(QObject):
    """The window's workbook loading (one load at a time: a new one replaces the running one)."""

    loadFinished = Signal(bool)  # True when a dataset was loaded, False when not (errors, cancel, failure)

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.session = window.session
        self.task: LoadTask | None = None
        self._finished_tasks: list[LoadTask] = []  # kept alive a while: a worker may still be returning
        self.progress: QProgressDialog | None = None
        self.progress_bar: QProgressBar | None = None
        self.report_dialog: ReportDialog | None = None
        self._build_actions()

    def _build_actions(self) -> None:
        SP = QStyle.StandardPixmap
        action = self.window.make_action
        self.open_action = action("&Open workbooks…", self.open_dialog, QKeySequence.StandardKey.Open,
                                  "Open a plan workbook and department budget workbooks", SP.SP_DialogOpenButton)
        self.open_folder_action = action("Open &folder…", self.open_folder, "Ctrl+Shift+O",
                                         "Open every workbook in a folder (the plan is found by its sheets)",
                                         SP.SP_DirOpenIcon)
        self.open_mapped_action = action("Open with &mapping…", self.open_with_mapping, None,
                                         "Open budget files in another city's layout with a saved import mapping "
                                         "(.json)")
        self.recent_menu = QMenu("Open &recent", self.window)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.sample_action = action("Open the sample city", self.open_sample, None, "Open the bundled sample city")
        self.report_action = action("Validation &report", self.show_report, "Ctrl+R", "The report of the last import")

    def window_closing(self) -> None:
        """The window closes: a running load stops."""
        if self.task is not None:
            self.task.cancel()

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = st.recent_projects()
        for p in recent:
            a = self.recent_menu.addAction(p.label)
            a.setToolTip("\n".join(([p.plan] if p.plan else []) + list(p.budgets)))
            a.triggered.connect(lambda _c=False, p=p: self.open_project(p))
        if not recent:
            self.recent_menu.addAction("(none)").setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear the list", st.clear_recent)

    # -- opening -------------------------------------------------------------------------------------
    def open_initial(self) -> None:
        """The last project if its files still exist, else the bundled sample."""
        last = st.last_project()
        if last is not None and last.exists():
            self.open_project(last)
        else:
            self.open_sample()

    def open_sample(self) -> None:
        if SAMPLE_DIR.is_dir() and any(SAMPLE_DIR.glob("*.xlsx")):
            self.open_paths([str(SAMPLE_DIR)])
        else:
            self.window.statusBar().showMessage(f"The bundled sample ({SAMPLE_DIR}) is missing: use File > Open "
                                                "workbooks, or write one with `kcplanner sample FOLDER`.")

    def open_dialog(self) -> None:
        dlg = OpenDialog(self.session.project, self.window)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            project = dlg.project()
            if not project.budgets:
                QMessageBox.information(self.window, "Open workbooks", "Choose at least one budget workbook or folder.")
                return
            self.open_project(project)

    def open_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self.window, "Open a folder of workbooks", st.get_str(st.KEY_LAST_DIR, ""))
        if path:
            st.set_value(st.KEY_LAST_DIR, path)
            self.open_paths([path])

    def open_project(self, project: Project, mappings=()) -> None:
        self._start(LoadTask(project=project, mappings=mappings))

    def open_paths(self, paths: list[str], mappings=()) -> None:
        """Files and folders (drag and drop, a folder): the plan is the workbook with plan sheets.
        A budget file in another city's layout that none of `mappings` applies to opens the
        mapping dialog first (`_ask_mappings`)."""
        self._start(LoadTask(paths=[str(p) for p in paths], mappings=mappings))

    def open_with_mapping(self) -> None:
        """File > Open with mapping…: budget files, then the saved mapping(s) (.json) to read them with."""
        from kcplanner.readers.mapping import MappingError, load_mapping

        start = st.get_str(st.KEY_LAST_DIR, "")
        files, _ = QFileDialog.getOpenFileNames(self.window, "Open budget files in another layout", start,
                                                "Budget files (*.xlsx *.xlsm *.xls *.csv);;All files (*)")
        if not files:
            return
        st.set_value(st.KEY_LAST_DIR, str(Path(files[0]).parent))
        chosen, _ = QFileDialog.getOpenFileNames(self.window, "Choose the import mapping(s)",
                                                 str(mappings_dir()), "Mappings (*.json)")
        if not chosen:
            return
        try:
            mappings = [load_mapping(p) for p in chosen]
        except MappingError as exc:
            QMessageBox.warning(self.window, "Could not read the mapping", str(exc))
            return
        if not mapping_flow.confirm_totals(self.window, files, mappings):  # the dialog's 10x question
            return
        self.open_paths(files, mappings=mappings)

    def _ask_mappings(self, task: LoadTask, project: Project, paths: list) -> None:
        """Budget files in another layout: the mapping remembered for each, else the mapping dialog
        (modal, on the GUI thread), then the load again with the mappings (ui/mapping/flow.py)."""
        if task is not self.task:
            self._retire(task)
            return
        self._retire(task)
        self._close_progress()
        mapping_flow.ask_and_load(self, project, paths, task.mappings)

    def _start(self, task: LoadTask) -> None:
        """Start a load; with a project open, first close it (asking Save / Don't Save / Cancel when
        it has unsaved edits: its edits stay in the file either way)."""
        controller = getattr(self.window, "project_controller", None)
        if controller is not None and controller.project is not None and not controller.project.closed:
            def then():
                from ..project.controller import forget_last_project_file
                forget_last_project_file()
                self._start_now(task)
            controller.close_project(then=then)
            return
        self._start_now(task)

    def _start_now(self, task: LoadTask) -> None:
        if self.task is not None:  # a new load replaces the running one
            self.task.cancel()
            self._close_progress()
        self.task = task
        task.signals.progress.connect(self._progress)
        task.signals.finished.connect(lambda outcome, t=task: self._finished(t, outcome))
        task.signals.failed.connect(lambda text, t=task: self._failed(t, text))
        task.signals.cancelled.connect(lambda t=task: self._cancelled(t))
        task.signals.needsMapping.connect(lambda project, paths, t=task: self._ask_mappings(t, project, paths))
        self.progress = QProgressDialog("Reading workbooks…", "Cancel", 0, 1000, self.window)
        # the dialog's own bar, set directly by `_progress` (see there); the dialog owns it
        self.progress_bar = QProgressBar()
        self.progress.setBar(self.progress_bar)
        self.progress.setRange(0, 1000)
        self.progress.setWindowTitle("Opening workbooks")
        self.progress.setMinimumDuration(PROGRESS_DELAY_MS)
        self.progress.setWindowModality(Qt.WindowModality.WindowModal)
        self.progress.setAutoClose(False)
        self.progress.setAutoReset(False)
        self.progress.canceled.connect(task.cancel)
        self.progress.setValue(0)
        self.window.statusBar().showMessage("Reading workbooks…")
        QThreadPool.globalInstance().start(task)

    @property
    def loading(self) -> bool:
        return self.task is not None

    def _progress(self, fraction: float, text: str) -> None:
        if self.progress is not None:
            self.progress.setLabelText(text)
            # the bar, not QProgressDialog.setValue(): for a shown window-modal dialog that one runs
            # QCoreApplication.processEvents(), which can deliver this load's end (`_finished` closes and
            # deletes the dialog) while setValue() is still running on it: a segmentation fault
            self.progress_bar.setValue(int(fraction * 1000))

    def _close_progress(self) -> None:
        if self.progress is not None:
            self.progress.canceled.disconnect()
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None
            self.progress_bar = None

    def _retire(self, task: LoadTask) -> None:
        self._finished_tasks = (self._finished_tasks + [task])[-4:]
        if task is self.task:
            self.task = None

    def _finished(self, task: LoadTask, outcome: LoadOutcome) -> None:
        if task is not self.task:
            self._retire(task)
            return
        self._retire(task)
        self._close_progress()
        report = outcome.report
        if outcome.prepared is None:
            self.window.statusBar().showMessage(f"Not loaded: {len(report.errors)} error(s) in the workbooks", 10000)
            dlg = self._show_report_dialog(report, "Validation report — not loaded", can_continue=False)
            mapping_flow.load_failed(self, outcome, dlg)  # a mapped file's dialog reopens with the user's mapping
            self.loadFinished.emit(False)
            return
        if report.warnings:
            dlg = self._show_report_dialog(report, "Validation report — warnings", can_continue=True)
            dlg.accepted.connect(lambda: self._apply(outcome))
            dlg.rejected.connect(lambda: self.loadFinished.emit(False))
            return
        self._apply(outcome)

    def _show_report_dialog(self, report, title: str, can_continue: bool) -> ReportDialog:
        if self.report_dialog is not None:
            self.report_dialog.close()
        self.report_dialog = ReportDialog(report, title, can_continue, self.window)
        self.report_dialog.open()  # window-modal, never blocks the event loop
        return self.report_dialog

    def _apply(self, outcome: LoadOutcome) -> None:
        self.session.set_data(outcome.prepared, outcome.report, outcome.project, mappings=outcome.mappings)
        st.remember_project(outcome.project)
        n = outcome.prepared.n_lines
        files = len(outcome.prepared.dataset.sources)
        warn = len(outcome.report.warnings)
        self.window.statusBar().showMessage(f"Loaded {files} workbook(s), {n:,} line items; "
                                     f"{outcome.prepared.baseline_source.describe()}"
                                     + (f", {warn} warning(s) (File > Validation report)" if warn else ""), 15000)
        mapping_flow.load_succeeded(self.window, outcome.mappings)  # remembered: applied without asking next time
        self.loadFinished.emit(True)

    def _failed(self, task: LoadTask, text: str) -> None:
        if task is not self.task:
            self._retire(task)
            return
        self._retire(task)
        self._close_progress()
        self.window.statusBar().showMessage("Opening the workbooks failed", 10000)
        box = QMessageBox(QMessageBox.Icon.Critical, "Could not open the workbooks",
                          "The workbooks could not be opened; nothing was changed.", QMessageBox.StandardButton.Close, self.window)
        box.setDetailedText(text)
        box.open()
        self.loadFinished.emit(False)

    def _cancelled(self, task: LoadTask) -> None:
        if task is not self.task:
            self._retire(task)
            return
        self._retire(task)
        self._close_progress()
        self.window.statusBar().showMessage("Opening cancelled; nothing was changed", 8000)
        self.loadFinished.emit(False)

    def show_report(self) -> None:
        if self.session.report is None:
            self.window.statusBar().showMessage("No import yet", 5000)
            return
        self._show_report_dialog(self.session.report, "Validation report", can_continue=False)
