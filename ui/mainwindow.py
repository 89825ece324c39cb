"""The main window: it composes the features and owns nothing else.

The window is the skeleton: the tabs, the docks (the scenario list, the undo history), the toolbar,
the menus with their slots, the status bar, and the session wiring (the plan year, the title, the
recalculation time).  The features are declared in one list, ui/features.py: each one's panel goes
in a tab, its actions into the menu and toolbar slots it names, and the names it exposes
(`window.open_paths`, `window.loadFinished`, `window.export_scenario`, …) are answered by it.
Loading workbooks is ui/workbooks/, exports ui/exports/, scenario files ui/scenarios/files.py, the
project file ui/project/.
"""

from __future__ import annotations

import inspect

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import (QComboBox, QDockWidget, QHBoxLayout, QLabel, QMainWindow, QMenu, QStackedWidget, QStyle,
                               QTabWidget, QToolBar, QUndoView, QVBoxLayout, QWidget)

from kcplanner.bundled import icon_path

from .common import access
from .common import settings as st
from .common.lazy import LazyTabs
from .features import FEATURES, Feature
from .scenarios.view import ScenarioList
from .session import Session
from .start.controller import open_dropped

ICON = icon_path()  # package data (kcplanner/resources/icons), in a checkout, a wheel or the bundle

TABS = [f.tab for f in FEATURES if f.tab]


def _takes_session(install) -> bool:
    """A tab feature's `install(window, session)` builds its panel lazily; a one-argument
    `install(window)` is built at once, as before."""
    try:
        return len(inspect.signature(install).parameters) >= 2
    except (TypeError, ValueError):
        return False


class MainWindow(QMainWindow):
    def __init__(self, parent=None):
        super().__init__(parent)
        from .common import gc_guard

        gc_guard.install()  # before any worker starts: Qt objects are freed on the GUI thread only
        self.setWindowTitle("kcplanner")
        if ICON.exists():
            self.setWindowIcon(QIcon(str(ICON)))
        self.resize(1400, 900)
        self.setAcceptDrops(True)
        self.session = Session(self)
        self.kpi_detail = None  # the KPI detail window (ui/kpis/view.py KpiDetail), made on first use
        self._exposed: dict[str, object] = {}  # window.<name> → the feature that answers it
        self._parts: list[object] = []  # the installed features, in order

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        # a tab's panel is built when the tab is first shown or `window.<name>` is asked for (ui/common/lazy.py)
        self.lazy_tabs = LazyTabs(self.tabs, self.session, self)
        self.lazy_tabs.built.connect(self._panel_built)
        for feature in FEATURES:  # the panels first, in tab order: they are the session's first listeners
            if feature.tab:
                self._install(feature)
        # the central widget: a slot for a message bar (the project's info bar) above the tabs
        central = QWidget()
        lay = QVBoxLayout(central)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        self._bar_slot = QHBoxLayout()
        self._bar_slot.setContentsMargins(6, 0, 6, 0)
        lay.addLayout(self._bar_slot)
        self.center = QStackedWidget()  # the tabs, or a start page while nothing is loaded (ui/start/)
        self.center.addWidget(self.tabs)
        lay.addWidget(self.center, 1)
        self.setCentralWidget(central)

        self.scenario_list = ScenarioList(self.session)
        dock = QDockWidget("Scenarios", self)
        dock.setObjectName("scenarios")
        dock.setWidget(self.scenario_list)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
        self.scenario_dock = dock
        self.undo_view = QUndoView(self.session.undo_stack)
        self.undo_view.setEmptyLabel("(as loaded)")
        self.undo_view.setToolTip("Every edit of this session; click one to go back to it")
        access.name(self.undo_view, "Undo history")
        hdock = QDockWidget("Undo history", self)
        hdock.setObjectName("undo_history")
        hdock.setWidget(self.undo_view)
        hdock.setFeatures(dock.features())
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, hdock)
        self.undo_dock = hdock
        self.tabifyDockWidget(dock, hdock)  # one column of tabs: the window fits beside Excel (docs/ui.md)
        dock.raise_()

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
        self.session.undo_stack.cleanChanged.connect(self._clean_changed)  # a bound slot: gone with the window
        self._build_skeleton()
        for feature in FEATURES:
            if not feature.tab:
                self._install(feature)
        self._restore_settings()
        self._update_title()
        self.lazy_tabs.build_current()

    # -- composing -----------------------------------------------------------------------------------
    def _install(self, feature: Feature) -> None:
        """Install one feature: keep it as `self.<name>`, put its panel in its tab and its actions in
        their menu and toolbar slots, and answer the names it exposes."""
        lazy = feature.tab and not (feature.menus or feature.toolbar or feature.exposes)
        if lazy and _takes_session(feature.install):
            self.lazy_tabs.add(feature.name, feature.tab, lambda session, f=feature: f.install(self, session))
            return  # built when first shown, or asked for: `_panel_built`
        part = feature.install(self)
        setattr(self, feature.name, part)
        if feature.tab:
            self.tabs.addTab(part, feature.tab)
        for slot, names in feature.menus:
            menu, before = self._slots[slot]
            for name in names:
                item = getattr(part, name)
                if isinstance(item, QMenu):
                    menu.insertMenu(before, item) if before is not None else menu.addMenu(item)
                else:
                    menu.insertAction(before, item) if before is not None else menu.addAction(item)
        for name in feature.toolbar:
            self.toolbar.insertAction(self._toolbar_slot, getattr(part, name))
        for name in feature.exposes:
            if name in self._exposed:
                raise RuntimeError(f"two features expose window.{name}: {self._exposed[name]!r} and {feature.name}")
            self._exposed[name] = part
        self._parts.append(part)

    def _panel_built(self, name: str, panel: QWidget) -> None:
        setattr(self, name, panel)
        self._parts.append(panel)

    def __getattr__(self, name: str):
        """`window.<name>` for a name a feature exposes (ui/features.py): that feature's; for a tab's
        panel not built yet, the panel, built now."""
        lazy = self.__dict__.get("lazy_tabs")
        if lazy is not None and name in lazy:
            return lazy.panel(name)
        part = self.__dict__.get("_exposed", {}).get(name)
        if part is None:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")
        return getattr(part, name)

    def menu(self, title: str) -> QMenu:
        """The menu `title` of the skeleton ("File", "Edit", "Scenario", "Requests", "View")."""
        return self._menus[title]

    def set_message_bar(self, widget: QWidget) -> None:
        """Put a message bar (hidden until it has something to say) above the tabs."""
        self._bar_slot.addWidget(widget)

    # -- actions, menus, toolbar -------------------------------------------------------------------
    def make_action(self, text, slot, shortcut=None, tip=None, icon=None) -> QAction:
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

    def _build_skeleton(self) -> None:
        """The menus with their slots (ui/features.py names them), the window's own actions, the toolbar."""
        SP = QStyle.StandardPixmap
        undo = self.session.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        undo.setIcon(self.style().standardIcon(SP.SP_ArrowBack))
        redo = self.session.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        redo.setIcon(self.style().standardIcon(SP.SP_ArrowForward))
        self.undo_action, self.redo_action = undo, redo
        quit_ = self.make_action("&Quit", self.close, QKeySequence.StandardKey.Quit)
        find = self.make_action("&Find line items", self.find, QKeySequence.StandardKey.Find,
                                "Filter the line items (Ctrl+F)")
        new_sc = self.make_action("&New scenario", self.scenario_list.new, QKeySequence.StandardKey.New)
        dup_sc = self.make_action("&Duplicate scenario", self.scenario_list.duplicate, "Ctrl+D")
        ren_sc = self.make_action("&Rename scenario", self.scenario_list.rename, "F2")
        del_sc = self.make_action("De&lete scenario", self.scenario_list.delete)
        cmp_sc = self.make_action("&Compare scenarios", lambda: self.tabs.setCurrentWidget(self.compare), "Ctrl+K")
        prev_year = self.make_action("Previous plan year",
                                     lambda: self.year.setCurrentIndex(max(0, self.year.currentIndex() - 1)),
                                     "Alt+Left")
        next_year = self.make_action("Next plan year", lambda: self.year.setCurrentIndex(
            min(self.year.count() - 1, self.year.currentIndex() + 1)), "Alt+Right")

        self._menus: dict[str, QMenu] = {}
        self._slots: dict[str, tuple[QMenu, QAction | None]] = {}  # slot → (menu, the action it goes before)
        m = self._add_menu("&File")
        for slot in ("File/open", "File/scenario", "File/export", "File/report"):
            self._slots[slot] = (m, m.addSeparator())
        m.addAction(quit_)
        m = self._add_menu("&Edit")
        m.addAction(undo)
        m.addAction(redo)
        m.addSeparator()
        m.addAction(find)
        m = self._add_menu("&Scenario")
        for a in (new_sc, dup_sc, ren_sc, del_sc, cmp_sc):
            m.addAction(a)
        m.addSeparator()
        self._slots["Scenario/files"] = (m, None)
        self._add_menu("&Requests")
        m = self._add_menu("&View")
        for i, name in enumerate(TABS):  # Ctrl+1 … Ctrl+9, then Ctrl+0 for a tenth tab
            m.addAction(self.make_action(name, lambda _c=False, i=i: self.tabs.setCurrentIndex(i),
                                         f"Ctrl+{(i + 1) % 10}" if i < 10 else None))
        m.addSeparator()
        m.addAction(prev_year)
        m.addAction(next_year)
        m.addAction(self.scenario_dock.toggleViewAction())
        m.addAction(self.undo_dock.toggleViewAction())

        tb = QToolBar("Main")
        tb.setObjectName("main_toolbar")
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toolbar = tb
        self._toolbar_slot = tb.addSeparator()  # the features' actions (Open, Save Project) go before it
        tb.addAction(undo)
        tb.addAction(redo)
        tb.addSeparator()
        tb.addWidget(access.label_for(" Plan &year: ", self.year))
        tb.addWidget(self.year)
        self.addToolBar(tb)

    def _add_menu(self, title: str) -> QMenu:
        menu = self.menuBar().addMenu(title)
        self._menus[title.replace("&", "")] = menu
        return menu

    # -- settings ------------------------------------------------------------------------------------
    def _restore_settings(self) -> None:
        geometry = st.load_bytes(st.KEY_GEOMETRY)
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = st.load_bytes(st.KEY_STATE)
        if state is not None:
            self.restoreState(state)
        mode = st.get_str(st.KEY_TREE_MODE, "fund")
        self._when_built("allocations", lambda panel: panel.set_mode(mode))
        self.tabs.setCurrentIndex(max(0, min(len(TABS) - 1, st.get_int(st.KEY_TAB, 0))))
        self._saved_year = st.get_int(st.KEY_YEAR, 0)

    def save_settings(self) -> None:
        st.save_bytes(st.KEY_GEOMETRY, self.saveGeometry())
        st.save_bytes(st.KEY_STATE, self.saveState())
        st.set_value(st.KEY_YEAR, self.session.year)
        st.set_value(st.KEY_TAB, self.tabs.currentIndex())
        if self.lazy_tabs.is_built("allocations"):  # else the mode read at start stays
            st.set_value(st.KEY_TREE_MODE, self.allocations.model.mode)

    def _when_built(self, name: str, then) -> None:
        """Run `then(panel)` on the panel of tab feature `name` now if it is built, else once it is."""
        panel = self.lazy_tabs.built_panel(name) if name in self.lazy_tabs else getattr(self, name, None)
        if panel is not None:
            then(panel)
            return

        def built(built_name, built_panel):
            if built_name == name:
                self.lazy_tabs.built.disconnect(built)
                then(built_panel)
        self.lazy_tabs.built.connect(built)

    def closeEvent(self, event) -> None:  # noqa: N802
        for part in self._parts:  # a running load or export stops
            closing = getattr(part, "window_closing", None)
            if closing is not None:
                closing()
        self.save_settings()
        super().closeEvent(event)

    # -- drag and drop ---------------------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls() and all(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            open_dropped(self, paths)  # a .kcplan opens as a project, the rest as workbooks

    # -- panels ------------------------------------------------------------------------------------------
    def show_kpi(self, k: int) -> None:
        if self.session.prepared is None:
            return
        if self.kpi_detail is None:
            from .kpis.view import KpiDetail

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

    def _clean_changed(self, _clean: bool) -> None:
        self._update_title()

    def _update_title(self) -> None:
        """`city — scenario — project.kcplan (unsaved changes) — kcplanner`.  With a project open
        its state is shown ("unsaved changes" since the last save point, "read-only"); without one
        a `*` marks edits made since the scenario file was saved."""
        city = ""
        if self.session.dataset is not None or self.session.mappings:
            from kcplanner.city import city_name  # pandas: imported once there is data

            city = city_name(self.session.dataset, self.session.mappings)[0]  # Settings, mapping or file name
        controller = getattr(self, "project_controller", None)
        project = controller.title_part() if controller is not None else ""
        try:
            dirty = "" if project or self.session.undo_stack.isClean() else " *"
        except RuntimeError:  # the window is being destroyed
            return
        parts = [p for p in (city, self.session.scenario.name + dirty if self.session.loaded else "", project) if p]
        self.setWindowTitle(" — ".join(parts + ["kcplanner"]))
