"""The main window: panels in tabs, the scenario list in a dock, menus, shortcuts, loading."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QThreadPool, Qt, Signal
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import (QComboBox, QDialog, QDockWidget, QFileDialog, QHBoxLayout, QLabel, QMainWindow,
                               QMessageBox, QProgressDialog, QTabWidget, QToolBar, QUndoView, QVBoxLayout, QWidget)

from kcplanner.atomic import OutputError
from kcplanner.city import city_name
from kcplanner.scenario import ScenarioError, save_scenario

from .allocations.view import AllocationPanel
from .common import charts
from .common import settings as st
from .common.dialogs import OpenDialog, ReportDialog
from .common.edits import unique_name
from .common.settings import Project
from .common.workers import JobTask, LoadOutcome, LoadTask
from .funds.view import FundsPanel
from .kpis.view import KpiDetail, KpiPanel
from .lineitems.view import LineItemsPanel
from .mapping import flow as mapping_flow
from .overview.view import OverviewPanel
from .requests.view import RequestsPanel, add_requests_menu
from .rules.view import RulesPanel
from .scenarios.view import ComparePanel, ScenarioList
from .session import Session

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = ROOT / "resources" / "sample"
ICON = ROOT / "resources" / "icons" / "kcplanner.svg"
PROGRESS_DELAY_MS = 500

TABS = ["Overview", "Allocations", "KPIs", "Funds", "Line items", "Requests", "Rules", "Compare"]


class MainWindow(QMainWindow):
    loadFinished = Signal(bool)  # True when a dataset was loaded, False when not (errors, cancel, failure)
    exportFinished = Signal(list)  # the files an export wrote ([] when it failed or was cancelled)

    def __init__(self, parent=None):
        super().__init__(parent)
        charts.configure()
        self.setWindowTitle("kcplanner")
        if ICON.exists():
            self.setWindowIcon(QIcon(str(ICON)))
        self.resize(1400, 900)
        self.setAcceptDrops(True)
        self.session = Session(self)
        self.task: LoadTask | None = None
        self._finished_tasks: list[LoadTask] = []  # kept alive a while: a worker may still be returning
        self.progress: QProgressDialog | None = None
        self.report_dialog: ReportDialog | None = None
        self.kpi_detail: KpiDetail | None = None
        self.scenario_paths: dict[str, str] = {}
        self.export_task: JobTask | None = None
        self.export_progress: QProgressDialog | None = None
        self.export_box: QMessageBox | None = None

        self.overview = OverviewPanel(self.session)
        self.allocations = AllocationPanel(self.session)
        self.kpis = KpiPanel(self.session)
        self.funds = FundsPanel(self.session)
        self.line_items = LineItemsPanel(self.session)
        self.requests = RequestsPanel(self.session, self)
        self.requests_panel = self.requests
        self.rules = RulesPanel(self.session)
        self.compare = ComparePanel(self.session)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        for name, panel in zip(TABS, (self.overview, self.allocations, self.kpis, self.funds, self.line_items,
                                      self.requests, self.rules, self.compare)):
            self.tabs.addTab(panel, name)
        # the central widget: a slot for a message bar (the project's info bar) above the tabs
        central = QWidget()
        lay = QVBoxLayout(central)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        self._bar_slot = QHBoxLayout()
        self._bar_slot.setContentsMargins(6, 0, 6, 0)
        lay.addLayout(self._bar_slot)
        lay.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.kpis.kpiClicked.connect(self.show_kpi)

        self.scenario_list = ScenarioList(self.session)
        self.scenario_list.openRequested.connect(self.open_scenario)
        self.scenario_list.saveRequested.connect(self.save_scenario_as)
        dock = QDockWidget("Scenarios", self)
        dock.setObjectName("scenarios")
        dock.setWidget(self.scenario_list)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
        self.scenario_dock = dock
        self.undo_view = QUndoView(self.session.undo_stack)
        self.undo_view.setEmptyLabel("(as loaded)")
        self.undo_view.setToolTip("Every edit of this session; click one to go back to it")
        hdock = QDockWidget("Undo history", self)
        hdock.setObjectName("undo_history")
        hdock.setWidget(self.undo_view)
        hdock.setFeatures(dock.features())
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, hdock)
        self.undo_dock = hdock

        self.year = QComboBox()
        self.year.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.year.setMinimumContentsLength(10)
        self.year.setToolTip("The plan year the tables, cards and findings show (Alt+Left / Alt+Right)")
        self.year.currentIndexChanged.connect(lambda i: i >= 0 and self.session.set_year(i))
        self.session.yearChanged.connect(self._year_changed)
        self.recalc_label = QLabel()
        self.recalc_label.setToolTip("Time of the last recalculation: the engine, then the engine and every view")
        self.statusBar().addPermanentWidget(self.recalc_label)
        self.session.recalculated.connect(self._recalculated)
        self.session.datasetChanged.connect(self._dataset_changed)
        self.session.scenariosChanged.connect(self._update_title)
        self.session.undo_stack.cleanChanged.connect(lambda _c: self._update_title())
        self._build_actions()
        self._restore_settings()
        self._install_features()

    def _install_features(self) -> None:
        """The project file (File > New/Open/Save Project, History tab, info bar, autosave)."""
        from PySide6.QtWidgets import QStyle

        from .project.controller import install_project_support

        self.project_controller = install_project_support(self)
        save = self.project_controller.save_action
        save.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_DialogSaveButton))
        self.toolbar.insertAction(self.toolbar.actions()[1], save)
        self._update_title()

    def set_message_bar(self, widget: QWidget) -> None:
        """Put a message bar (hidden until it has something to say) above the tabs."""
        self._bar_slot.addWidget(widget)

    # -- actions, menus, toolbar -------------------------------------------------------------------
    def _action(self, text, slot, shortcut=None, tip=None, icon=None) -> QAction:
        a = QAction(text, self)
        if shortcut is not None:
            if isinstance(shortcut, (list, tuple)):
                a.setShortcuts([QKeySequence(s) for s in shortcut])
            else:
                a.setShortcut(QKeySequence(shortcut))
        if tip:
            a.setToolTip(tip)
            a.setStatusTip(tip)
        if icon is not None:
            a.setIcon(self.style().standardIcon(icon))
        a.triggered.connect(slot)
        return a

    def _build_actions(self) -> None:
        from PySide6.QtWidgets import QStyle

        SP = QStyle.StandardPixmap
        undo = self.session.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        undo.setIcon(self.style().standardIcon(SP.SP_ArrowBack))
        redo = self.session.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        redo.setIcon(self.style().standardIcon(SP.SP_ArrowForward))
        self.undo_action, self.redo_action = undo, redo
        self.open_action = self._action("&Open workbooks…", self.open_dialog, QKeySequence.StandardKey.Open,
                                        "Open a plan workbook and department budget workbooks", SP.SP_DialogOpenButton)
        open_folder = self._action("Open &folder…", self.open_folder, "Ctrl+Shift+O",
                                   "Open every workbook in a folder (the plan is found by its sheets)", SP.SP_DirOpenIcon)
        open_mapped = self._action("Open with &mapping…", self.open_with_mapping, None,
                                   "Open budget files in another city's layout with a saved import mapping (.json)")
        self.recent_menu_action = None
        # Ctrl+S / Ctrl+Shift+S belong to the project (Save Project / Save Project As…, added by
        # ui/project/controller.py); a scenario file (.json) is saved from the Scenario menu
        self.save_action = self._action("&Save scenario to file", self.save_scenario, None,
                                        "Save the current scenario to its .json file", SP.SP_DialogSaveButton)
        save_as = self._action("Save scenario to file &as…", self.save_scenario_as, None,
                               "Save the current scenario as a new .json file")
        self.save_scenario_as_action = save_as
        open_sc = self._action("&Open scenario…", self.open_scenario, None,
                               "Add a scenario from a file (.json, or a workbook exported by kcplanner)")
        self.export_scenario_action = self._action(
            "&Export scenario…", self.export_scenario_dialog, "Ctrl+E",
            "Write the current scenario as a live Excel workbook (funds, departments, KPIs, charts, line items, "
            "rules; with a project open, its history)")
        self.export_comparison_action = self._action(
            "Export &comparison…", self.export_comparison_dialog, None,
            "Write the current scenario and another one side by side, with the differences (.xlsx)")
        self.write_back_action = self._action(
            "&Write back to department workbooks…", self.write_back_dialog, None,
            "Copy each department's budget workbook into a folder with the current scenario's amounts added")
        report = self._action("Validation &report", self.show_report, "Ctrl+R", "The report of the last import")
        sample = self._action("Open the sample city", self.open_sample, None, "Open the bundled sample city")
        quit_ = self._action("&Quit", self.close, QKeySequence.StandardKey.Quit)
        find = self._action("&Find line items", self.find, QKeySequence.StandardKey.Find,
                            "Filter the line items (Ctrl+F)")
        new_sc = self._action("&New scenario", self.scenario_list.new, QKeySequence.StandardKey.New)
        dup_sc = self._action("&Duplicate scenario", self.scenario_list.duplicate, "Ctrl+D")
        ren_sc = self._action("&Rename scenario", self.scenario_list.rename, "F2")
        del_sc = self._action("De&lete scenario", self.scenario_list.delete)
        cmp_sc = self._action("&Compare scenarios", lambda: self.tabs.setCurrentWidget(self.compare), "Ctrl+K")
        prev_year = self._action("Previous plan year", lambda: self.year.setCurrentIndex(max(0, self.year.currentIndex() - 1)),
                                 "Alt+Left")
        next_year = self._action("Next plan year", lambda: self.year.setCurrentIndex(
            min(self.year.count() - 1, self.year.currentIndex() + 1)), "Alt+Right")

        m = self.menuBar().addMenu("&File")
        for a in (self.open_action, open_folder, open_mapped):
            m.addAction(a)
        self.recent_menu = m.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        m.addAction(sample)
        m.addSeparator()
        m.addAction(open_sc)
        m.addSeparator()
        for a in (self.export_scenario_action, self.export_comparison_action, self.write_back_action):
            m.addAction(a)
        m.addSeparator()
        m.addAction(report)
        m.addSeparator()
        m.addAction(quit_)
        m = self.menuBar().addMenu("&Edit")
        m.addAction(undo)
        m.addAction(redo)
        m.addSeparator()
        m.addAction(find)
        m = self.menuBar().addMenu("&Scenario")
        for a in (new_sc, dup_sc, ren_sc, del_sc, cmp_sc):
            m.addAction(a)
        m.addSeparator()
        for a in (self.save_action, save_as):
            m.addAction(a)
        add_requests_menu(self, self.requests, self.menuBar().addMenu("&Requests"))
        m = self.menuBar().addMenu("&View")
        for i, name in enumerate(TABS):
            m.addAction(self._action(name, lambda _c=False, i=i: self.tabs.setCurrentIndex(i), f"Ctrl+{i + 1}"))
        m.addSeparator()
        m.addAction(prev_year)
        m.addAction(next_year)
        m.addAction(self.scenario_dock.toggleViewAction())
        m.addAction(self.undo_dock.toggleViewAction())

        tb = QToolBar("Main")
        tb.setObjectName("main_toolbar")
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        tb.addAction(self.open_action)
        self.toolbar = tb
        tb.addSeparator()
        tb.addAction(undo)
        tb.addAction(redo)
        tb.addSeparator()
        tb.addWidget(QLabel(" Plan year: "))
        tb.addWidget(self.year)
        self.addToolBar(tb)

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

    # -- settings ------------------------------------------------------------------------------------
    def _restore_settings(self) -> None:
        geometry = st.load_bytes(st.KEY_GEOMETRY)
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = st.load_bytes(st.KEY_STATE)
        if state is not None:
            self.restoreState(state)
        self.allocations.set_mode(st.get_str(st.KEY_TREE_MODE, "fund"))
        self.tabs.setCurrentIndex(max(0, min(len(TABS) - 1, st.get_int(st.KEY_TAB, 0))))
        self._saved_year = st.get_int(st.KEY_YEAR, 0)

    def save_settings(self) -> None:
        st.save_bytes(st.KEY_GEOMETRY, self.saveGeometry())
        st.save_bytes(st.KEY_STATE, self.saveState())
        st.set_value(st.KEY_YEAR, self.session.year)
        st.set_value(st.KEY_TAB, self.tabs.currentIndex())
        st.set_value(st.KEY_TREE_MODE, self.allocations.model.mode)

    def closeEvent(self, event) -> None:  # noqa: N802
        if self.task is not None:
            self.task.cancel()
        if self.export_task is not None:
            self.export_task.cancel()
        self.save_settings()
        super().closeEvent(event)

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
            self.statusBar().showMessage("The bundled sample (resources/sample) is missing: "
                                         "use File > Open workbooks, or `kcplanner sample resources/sample`.")

    def open_dialog(self) -> None:
        dlg = OpenDialog(self.session.project, self)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            project = dlg.project()
            if not project.budgets:
                QMessageBox.information(self, "Open workbooks", "Choose at least one budget workbook or folder.")
                return
            self.open_project(project)

    def open_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open a folder of workbooks", st.get_str(st.KEY_LAST_DIR, ""))
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
        files, _ = QFileDialog.getOpenFileNames(self, "Open budget files in another layout", start,
                                                "Budget files (*.xlsx *.xlsm *.xls *.csv);;All files (*)")
        if not files:
            return
        st.set_value(st.KEY_LAST_DIR, str(Path(files[0]).parent))
        chosen, _ = QFileDialog.getOpenFileNames(self, "Choose the import mapping(s)",
                                                 str(ROOT / "resources" / "mappings"), "Mappings (*.json)")
        if not chosen:
            return
        try:
            mappings = [load_mapping(p) for p in chosen]
        except MappingError as exc:
            QMessageBox.warning(self, "Could not read the mapping", str(exc))
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
        controller = getattr(self, "project_controller", None)
        if controller is not None and controller.project is not None and not controller.project.closed:
            def then():
                from .project.controller import forget_last_project_file
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
        self.progress = QProgressDialog("Reading workbooks…", "Cancel", 0, 1000, self)
        self.progress.setWindowTitle("Opening workbooks")
        self.progress.setMinimumDuration(PROGRESS_DELAY_MS)
        self.progress.setWindowModality(Qt.WindowModality.WindowModal)
        self.progress.setAutoClose(False)
        self.progress.setAutoReset(False)
        self.progress.canceled.connect(task.cancel)
        self.progress.setValue(0)
        self.statusBar().showMessage("Reading workbooks…")
        QThreadPool.globalInstance().start(task)

    @property
    def loading(self) -> bool:
        return self.task is not None

    def _progress(self, fraction: float, text: str) -> None:
        if self.progress is not None:
            self.progress.setLabelText(text)
            self.progress.setValue(int(fraction * 1000))

    def _close_progress(self) -> None:
        if self.progress is not None:
            self.progress.canceled.disconnect()
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None

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
            self.statusBar().showMessage(f"Not loaded: {len(report.errors)} error(s) in the workbooks", 10000)
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
        self.report_dialog = ReportDialog(report, title, can_continue, self)
        self.report_dialog.open()  # window-modal, never blocks the event loop
        return self.report_dialog

    def _apply(self, outcome: LoadOutcome) -> None:
        self.session.set_data(outcome.prepared, outcome.report, outcome.project, mappings=outcome.mappings)
        self.scenario_paths.clear()
        st.remember_project(outcome.project)
        n = outcome.prepared.n_lines
        files = len(outcome.prepared.dataset.sources)
        warn = len(outcome.report.warnings)
        self.statusBar().showMessage(f"Loaded {files} workbook(s), {n:,} line items; "
                                     f"{outcome.prepared.baseline_source.describe()}"
                                     + (f", {warn} warning(s) (File > Validation report)" if warn else ""), 15000)
        mapping_flow.load_succeeded(self, outcome.mappings)  # remembered: applied without asking next time
        self.loadFinished.emit(True)

    def _failed(self, task: LoadTask, text: str) -> None:
        if task is not self.task:
            self._retire(task)
            return
        self._retire(task)
        self._close_progress()
        self.statusBar().showMessage("Opening the workbooks failed", 10000)
        box = QMessageBox(QMessageBox.Icon.Critical, "Could not open the workbooks",
                          "The workbooks could not be opened; nothing was changed.", QMessageBox.StandardButton.Close, self)
        box.setDetailedText(text)
        box.open()
        self.loadFinished.emit(False)

    def _cancelled(self, task: LoadTask) -> None:
        if task is not self.task:
            self._retire(task)
            return
        self._retire(task)
        self._close_progress()
        self.statusBar().showMessage("Opening cancelled; nothing was changed", 8000)
        self.loadFinished.emit(False)

    def show_report(self) -> None:
        if self.session.report is None:
            self.statusBar().showMessage("No import yet", 5000)
            return
        self._show_report_dialog(self.session.report, "Validation report", can_continue=False)

    # -- drag and drop ---------------------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls() and all(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.open_paths(paths)

    # -- scenarios files -------------------------------------------------------------------------------
    def open_scenario(self, path: str | None = None) -> None:
        if not path:
            path, _ = QFileDialog.getOpenFileName(
                self, "Open a scenario", st.get_str(st.KEY_LAST_DIR, ""),
                "Scenarios (*.json *.xlsx *.xlsm);;Scenario files (*.json);;Exported workbooks (*.xlsx *.xlsm);;"
                "All files (*)")
        if not path:
            return
        from kcplanner.exports import ExportError, load_any_scenario

        try:
            scenario = load_any_scenario(path)
        except (ScenarioError, ExportError, OSError) as exc:
            QMessageBox.warning(self, "Could not open the scenario", str(exc))
            return
        names = [s.name for s in self.session.scenarios]
        scenario = scenario.rename(unique_name(scenario.name, names))
        scenarios = list(self.session.scenarios) + [scenario]
        self.session.set_scenarios(scenarios, len(scenarios) - 1, f"Open scenario '{scenario.name}'")
        if Path(path).suffix.lower() == ".json":  # Save scenario writes .json: never over a workbook
            self.scenario_paths[scenario.name] = path
        self.session.flush()
        bad = len(self.session.results.invalid_rules) if self.session.results else 0
        self.statusBar().showMessage(f"Opened {Path(path).name}" + (f": {bad} invalid rule(s), see Rules" if bad else ""),
                                     10000)

    def save_scenario(self) -> None:
        path = self.scenario_paths.get(self.session.scenario.name)
        if path:
            self._write_scenario(path)
        else:
            self.save_scenario_as()

    def save_scenario_as(self, path: str | None = None) -> None:
        if not path:
            start = str(Path(st.get_str(st.KEY_LAST_DIR, "")) / f"{self._safe_name(self.session.scenario.name)}.json")
            path, _ = QFileDialog.getSaveFileName(self, "Save the scenario", start, "Scenarios (*.json)")
        if path:
            self._write_scenario(path)

    def _write_scenario(self, path: str) -> None:
        try:
            save_scenario(self.session.scenario, path)
        except (OSError, OutputError) as exc:
            QMessageBox.warning(self, "Could not save the scenario", str(exc))
            return
        self.scenario_paths[self.session.scenario.name] = path
        self.session.undo_stack.setClean()
        self.statusBar().showMessage(f"Saved {path}", 8000)

    # -- exports (kcplanner.exports, on a worker thread) -------------------------------------------------
    def _export_target(self, title: str, name: str, filter_: str) -> str | None:
        start = str(Path(st.get_str(st.KEY_LAST_DIR, "")) / name)
        path, _ = QFileDialog.getSaveFileName(self, title, start, filter_)
        if not path:
            return None
        if not Path(path).suffix:
            path += ".xlsx"
        st.set_value(st.KEY_LAST_DIR, str(Path(path).parent))
        return path

    def _can_export(self) -> bool:
        if not self.session.loaded:
            self.statusBar().showMessage("Open workbooks first", 5000)
            return False
        if self.export_task is not None:
            self.statusBar().showMessage("An export is running; wait for it or cancel it", 5000)
            return False
        self.session.flush()
        return True

    def _history_rows(self):
        """The open project's audit trail (read here, on the GUI thread that owns the connection)."""
        controller = getattr(self, "project_controller", None)
        p = controller.project if controller is not None else None
        if p is None or p.closed:
            return None
        try:
            controller._record()  # everything on screen is in the trail
            return p.export_history_rows()
        except Exception:  # noqa: BLE001 - the export goes on without the history sheet
            return None

    def _safe_name(self, text: str) -> str:
        from kcplanner.filenames import safe_file_name
        return safe_file_name(text, fallback="scenario", max_bytes=110)  # room for the extension

    def export_scenario_dialog(self) -> None:
        if not self._can_export():
            return
        path = self._export_target("Export the scenario", f"{self._safe_name(self.session.scenario.name)}.xlsx",
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
            QMessageBox.information(self, "Export comparison", "There is only one scenario: make another one "
                                    "(Scenario > New or Duplicate) to compare with.")
            return
        from PySide6.QtWidgets import QInputDialog

        other, ok = QInputDialog.getItem(self, "Export comparison",
                                         f"Compare “{self.session.scenario.name}” with:", names, 0, False)
        if not ok:
            return
        path = self._export_target("Export the comparison",
                                   self._safe_name(f"{self.session.scenario.name} vs {other}") + ".xlsx",
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
            QMessageBox.information(self, "Write back", "None of the budget files is an Excel workbook "
                                    "(.xlsx, .xlsm) that can be written back to.")
            return
        folder = QFileDialog.getExistingDirectory(self, "Write the department workbooks into a folder",
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
        dlg = QProgressDialog(title + "…", "Cancel", 0, 1000, self)
        dlg.setWindowTitle(title)
        dlg.setMinimumDuration(PROGRESS_DELAY_MS)
        dlg.setWindowModality(Qt.WindowModality.NonModal)  # the window stays usable meanwhile
        dlg.setAutoClose(False)
        dlg.setAutoReset(False)
        dlg.canceled.connect(task.cancel)
        dlg.setValue(0)
        self.export_progress = dlg
        task.signals.progress.connect(lambda f, t: (dlg.setLabelText(t), dlg.setValue(int(f * 1000))))
        task.signals.finished.connect(lambda paths, t=task: self._export_done(t, title, paths))
        task.signals.failed.connect(lambda exc, t=task: self._export_failed(t, title, exc))
        task.signals.cancelled.connect(lambda t=task: self._export_cancelled(t))
        self.statusBar().showMessage(title + "…")
        QThreadPool.globalInstance().start(task)
        return task

    def _export_end(self, task: JobTask) -> bool:
        if task is not self.export_task:
            return False
        self.export_task = None
        if self.export_progress is not None:
            self.export_progress.canceled.disconnect()
            self.export_progress.close()
            self.export_progress.deleteLater()
            self.export_progress = None
        return True

    def _export_done(self, task: JobTask, title: str, paths: list) -> None:
        if not self._export_end(task):
            return
        text = f"Wrote {paths[0]}" if len(paths) == 1 else f"Wrote {len(paths)} workbooks into {Path(paths[0]).parent}"
        self.statusBar().showMessage(text, 15000)
        self.exportFinished.emit(list(paths))

    def _export_failed(self, task: JobTask, title: str, exc) -> None:
        if not self._export_end(task):
            return
        from kcplanner.exports import ExportError

        if isinstance(exc, (OutputError, ExportError, OSError)):
            box = QMessageBox(QMessageBox.Icon.Warning, "Could not export", str(exc),
                              QMessageBox.StandardButton.Close, self)
        else:
            box = QMessageBox(QMessageBox.Icon.Critical, "Could not export",
                              "The export failed; no file was changed.", QMessageBox.StandardButton.Close, self)
            box.setDetailedText(getattr(exc, "details", "") or repr(exc))
        self.export_box = box
        box.open()
        self.statusBar().showMessage(f"{title} failed: {exc}", 10000)
        self.exportFinished.emit([])

    def _export_cancelled(self, task: JobTask) -> None:
        if not self._export_end(task):
            return
        self.statusBar().showMessage("Export cancelled; no file was changed", 8000)
        self.exportFinished.emit([])

    # -- panels ------------------------------------------------------------------------------------------
    def show_kpi(self, k: int) -> None:
        if self.session.prepared is None:
            return
        if self.kpi_detail is None:
            self.kpi_detail = KpiDetail(self.session, k, self)
        else:
            self.kpi_detail.set_kpi(k)
        self.kpi_detail.show()
        self.kpi_detail.raise_()

    def find(self) -> None:
        self.tabs.setCurrentWidget(self.line_items)
        self.line_items.filter.setFocus()
        self.line_items.filter.selectAll()

    def _dataset_changed(self) -> None:
        labels = self.session.year_labels
        self.year.blockSignals(True)
        self.year.clear()
        self.year.addItems(labels)
        self.year.blockSignals(False)
        want = getattr(self, "_saved_year", self.session.year)
        self.year.setCurrentIndex(max(0, min(want, len(labels) - 1)))
        self.session.set_year(self.year.currentIndex())
        if self.kpi_detail is not None:
            self.kpi_detail.close()
            self.kpi_detail = None
        self._update_title()

    def _year_changed(self, i: int) -> None:
        self._saved_year = i
        if self.year.currentIndex() != i:
            self.year.setCurrentIndex(i)

    def _recalculated(self, eval_ms: float, total_ms: float) -> None:
        self.recalc_label.setText(f"Recalculated in {eval_ms:.1f} ms (views {max(total_ms - eval_ms, 0):.1f} ms)")

    def _update_title(self) -> None:
        """`city — scenario — project.kcplan (unsaved changes) — kcplanner`.  With a project open
        its state is shown ("unsaved changes" since the last save point, "read-only"); without one
        a `*` marks edits made since the scenario file was saved."""
        city = city_name(self.session.dataset, self.session.mappings)[0]  # Settings, mapping or file name
        controller = getattr(self, "project_controller", None)
        project = controller.title_part() if controller is not None else ""
        try:
            dirty = "" if project or self.session.undo_stack.isClean() else " *"
        except RuntimeError:  # the window is being destroyed
            return
        parts = [p for p in (city, self.session.scenario.name + dirty if self.session.loaded else "", project) if p]
        self.setWindowTitle(" — ".join(parts + ["kcplanner"]))
