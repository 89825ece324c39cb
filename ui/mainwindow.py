"""The main window: panels in tabs, the scenario list in a dock, menus, shortcuts, loading."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QThreadPool, Qt, Signal
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import (QComboBox, QDialog, QDockWidget, QFileDialog, QLabel, QMainWindow, QMessageBox,
                               QProgressDialog, QTabWidget, QToolBar, QUndoView)

from kcplanner.atomic import OutputError
from kcplanner.scenario import ScenarioError, load_scenario, save_scenario

from . import charts
from . import settings as st
from .dialogs import OpenDialog, ReportDialog
from .edits import unique_name
from .panels.allocations import AllocationPanel
from .panels.funds import FundsPanel
from .panels.kpis import KpiDetail, KpiPanel
from .panels.lineitems import LineItemsPanel
from .panels.overview import OverviewPanel
from .panels.requests import RequestsPanel
from .panels.rules import RulesPanel
from .panels.scenarios import ComparePanel, ScenarioList
from .session import Session
from .settings import Project
from .workers import LoadOutcome, LoadTask

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = ROOT / "resources" / "sample"
ICON = ROOT / "resources" / "icons" / "kcplanner.svg"
PROGRESS_DELAY_MS = 500

TABS = ["Overview", "Allocations", "KPIs", "Funds", "Line items", "Requests", "Rules", "Compare"]


class MainWindow(QMainWindow):
    loadFinished = Signal(bool)  # True when a dataset was loaded, False when not (errors, cancel, failure)

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

        self.overview = OverviewPanel(self.session)
        self.allocations = AllocationPanel(self.session)
        self.kpis = KpiPanel(self.session)
        self.funds = FundsPanel(self.session)
        self.line_items = LineItemsPanel(self.session)
        self.requests = RequestsPanel(self.session)
        self.rules = RulesPanel(self.session)
        self.compare = ComparePanel(self.session)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        for name, panel in zip(TABS, (self.overview, self.allocations, self.kpis, self.funds, self.line_items,
                                      self.requests, self.rules, self.compare)):
            self.tabs.addTab(panel, name)
        self.setCentralWidget(self.tabs)
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
        self.recent_menu_action = None
        self.save_action = self._action("&Save scenario", self.save_scenario, QKeySequence.StandardKey.Save,
                                        "Save the current scenario (.json)", SP.SP_DialogSaveButton)
        save_as = self._action("Save scenario &as…", self.save_scenario_as, "Ctrl+Shift+S", "Save the scenario as a new file")
        open_sc = self._action("Open scenario…", self.open_scenario, None, "Add a scenario from a file (.json)")
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
        for a in (self.open_action, open_folder):
            m.addAction(a)
        self.recent_menu = m.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        m.addAction(sample)
        m.addSeparator()
        for a in (open_sc, self.save_action, save_as):
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
        for a in (self.open_action, self.save_action):
            tb.addAction(a)
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

    def open_project(self, project: Project) -> None:
        self._start(LoadTask(project=project))

    def open_paths(self, paths: list[str]) -> None:
        """Files and folders (drag and drop, a folder): the plan is the workbook with plan sheets."""
        self._start(LoadTask(paths=[str(p) for p in paths]))

    def _start(self, task: LoadTask) -> None:
        if self.task is not None:  # a new load replaces the running one
            self.task.cancel()
            self._close_progress()
        self.task = task
        task.signals.progress.connect(self._progress)
        task.signals.finished.connect(lambda outcome, t=task: self._finished(t, outcome))
        task.signals.failed.connect(lambda text, t=task: self._failed(t, text))
        task.signals.cancelled.connect(lambda t=task: self._cancelled(t))
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
            self._show_report_dialog(report, "Validation report — not loaded", can_continue=False)
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
        self.session.set_data(outcome.prepared, outcome.report, outcome.project)
        self.scenario_paths.clear()
        st.remember_project(outcome.project)
        n = outcome.prepared.n_lines
        files = len(outcome.prepared.dataset.sources)
        warn = len(outcome.report.warnings)
        self.statusBar().showMessage(f"Loaded {files} workbook(s), {n:,} line items"
                                     + (f", {warn} warning(s) (File > Validation report)" if warn else ""), 15000)
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
            path, _ = QFileDialog.getOpenFileName(self, "Open a scenario", st.get_str(st.KEY_LAST_DIR, ""),
                                                  "Scenarios (*.json);;All files (*)")
        if not path:
            return
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            QMessageBox.warning(self, "Could not open the scenario", str(exc))
            return
        names = [s.name for s in self.session.scenarios]
        scenario = scenario.rename(unique_name(scenario.name, names))
        scenarios = list(self.session.scenarios) + [scenario]
        self.session.set_scenarios(scenarios, len(scenarios) - 1, f"Open scenario '{scenario.name}'")
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
            start = str(Path(st.get_str(st.KEY_LAST_DIR, "")) / f"{self.session.scenario.name}.json")
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
        city = ""
        if self.session.dataset is not None:
            city = self.session.dataset.plan.settings.city or ""
        try:
            dirty = "" if self.session.undo_stack.isClean() else " *"
        except RuntimeError:  # the window is being destroyed
            return
        parts = [p for p in (city, self.session.scenario.name + dirty if self.session.loaded else "") if p]
        self.setWindowTitle(" — ".join(parts + ["kcplanner"]))
