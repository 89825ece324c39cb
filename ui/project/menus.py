"""The project's menus and actions: File > New Project… / Open Project… / Open Recent Project / Save
Project / Save Project As… / Re-import Workbooks… / Export History…, View > History, their free
shortcuts, and which of them are enabled; `install` wires the controller into the main window
(History tab, info bar, the session's signals, the close event)."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication

from .recent import recent_project_files
from .recovery import make_container
from .where import is_shared, recent_label

#: The tooltips of the actions a shared project does not have (they work on a file), and theirs otherwise.
SHARED_TIPS = {
    "save_action": "A shared project has nothing to save: every change is on the server as soon as it is made",
    "save_as_action": "A shared project lives on the server: Save As copies a project file (open a .kcplan "
                      "to use it)",
    "reimport_action": "Re-import works on a project file's source workbooks; a shared project's data are "
                       "loaded on the server by OMB (kcplanner team init)",
}


class MenusMixin:
    """Installing the controller in the window; its menus and actions."""

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
            a = self.recent_menu.addAction(recent_label(p))
            a.setToolTip(p)
            a.setStatusTip(p)
            a.triggered.connect(lambda _c=False, p=p: self.open_project(p))
        if not paths:
            self.recent_menu.addAction("(none)").setEnabled(False)

    def show_history(self) -> None:
        self.main.tabs.setCurrentWidget(self.history)

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
        shared = open_ and is_shared(p)
        tips = dict(SHARED_TIPS)
        if shared:  # what works on a file only: disabled, and the tooltip says why
            self.save_as_action.setEnabled(False)
            why = self.shared_reimport.why_not(p) if self.shared_reimport is not None else tips["reimport_action"]
            self.reimport_action.setEnabled(idle and why is None)  # ui/team/: OMB re-imports into the server
            tips["reimport_action"] = why or self.shared_reimport.tip
        if not hasattr(self, "_file_tips"):
            self._file_tips = {name: getattr(self, name).toolTip() for name in SHARED_TIPS}
        for name, tip in tips.items():
            text = tip if shared else self._file_tips[name]
            getattr(self, name).setToolTip(text)
            getattr(self, name).setStatusTip(text)
        self._apply_title()
