"""The main window's features, declared in one list read top to bottom (the way napari's or Spyder's
plugins are declared): what each one installs, the tab its panel goes in, the menu and toolbar slots
its actions fill, and the names the window answers from it.

`MainWindow` (ui/mainwindow.py) builds the skeleton (tabs, docks, toolbar, menus with their slots)
and iterates `FEATURES`: the panels first, in tab order (they are the session's first listeners),
then the others in order once the skeleton is there.  A new feature is a new entry here; nothing
else patches the window.

Menu slots: "File/open", "File/scenario", "File/export", "File/report" (the File menu's sections,
Quit last) and "Scenario/files" (after the scenario list's commands).  A toolbar entry goes at the
start of the toolbar, before Undo/Redo.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any, Callable

from PySide6.QtWidgets import QStyle

from .exports.controller import ExportsController
from .project.controller import install_project_support
from .publish.controller import PublishController
from .scenarios.files import ScenarioFiles
from .start.controller import StartController
from .stories.keeper import StoriesKeeper
from .team.controller import install_team
from .workbooks.controller import WorkbooksController


@dataclass(frozen=True)
class Feature:
    """One feature of the main window; the window keeps what `install(window)` returns as `window.<name>`."""

    name: str
    install: Callable[..., Any]  # install(window) -> the feature's panel or controller; for a tab,
    # install(window, session) -> its panel, built when the tab is first shown (ui/common/lazy.py)
    tab: str = ""  # the panel's tab title ("" for a feature without a tab)
    menus: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (menu slot, attribute names of its actions/submenus)
    toolbar: tuple[str, ...] = ()  # attribute names of its actions at the start of the toolbar
    exposes: tuple[str, ...] = ()  # `window.<name>` is answered by the installed object (its public face)


def panel(module: str, name: str) -> Callable[[Any, Any], Any]:
    """A tab's `install(window, session)`: the panel class `name` of `module` (relative to ui/),
    imported only when the tab is first built, so start-up imports nothing a hidden tab needs."""
    def install(_window, session):
        return getattr(import_module(module, __package__), name)(session)
    return install


def kpi_panel(window, session):
    """The KPIs tab; a click on a card opens the KPI's detail window (`MainWindow.show_kpi`)."""
    from .kpis.view import KpiPanel

    panel = KpiPanel(session)
    panel.kpiClicked.connect(window.show_kpi)
    return panel


def requests_panel(window, session):
    """The Requests tab (ui/requests/view.py); built at start all the same: the Requests menu holds its actions."""
    from .requests.view import RequestsPanel

    return RequestsPanel(session, window)


def requests_menu(window):
    """The Requests menu: the Requests panel's actions (ui/requests/view.py)."""
    from .requests.view import add_requests_menu

    menu = window.menu("Requests")
    add_requests_menu(window, window.requests, menu)
    return menu


def project_support(window):
    """The project file: File > New/Open/Save Project…, the History tab, the info bar above the tabs,
    autosave (ui/project/controller.py); its Save goes in the toolbar."""
    controller = install_project_support(window)
    controller.save_action.setIcon(window.style().standardIcon(QStyle.StandardPixmap.SP_DialogSaveButton))
    return controller


def stories_in_project(window) -> StoriesKeeper:
    """The Stories tab's stories kept in the project file (ui/stories/keeper.py); a project open
    read-only shows them without letting them change."""
    panel, controller = window.stories, window.project_controller
    # a shared project keeps no stories (they are a project file's): read-only there
    controller.projectChanged.connect(lambda p: panel.set_read_only(p is not None and (
        p.read_only or not hasattr(p, "stories"))))
    return StoriesKeeper(panel.book, controller, window.session)


def start_page(window) -> StartController:
    """The start page (ui/start/): Open workbooks…, Open folder…, Open project…, the sample, the
    recent list and a drop zone, shown while nothing is loaded; scenario actions off until then."""
    return StartController(window)


FEATURES: tuple[Feature, ...] = (
    # the tabs, left to right (View > Ctrl+1 … Ctrl+9, Ctrl+0)
    Feature("overview", panel(".overview.view", "OverviewPanel"), tab="Overview"),
    Feature("allocations", panel(".allocations.view", "AllocationPanel"), tab="Allocations"),
    Feature("kpis", kpi_panel, tab="KPIs"),
    Feature("funds", panel(".funds.view", "FundsPanel"), tab="Funds"),
    Feature("line_items", panel(".lineitems.view", "LineItemsPanel"), tab="Line items"),
    Feature("requests", requests_panel, tab="Requests"),
    Feature("rules", panel(".rules.view", "RulesPanel"), tab="Rules"),
    Feature("compare", panel(".scenarios.view", "ComparePanel"), tab="Compare"),
    # the year in execution against its budget (not the plan): after the plan's tabs, before History
    Feature("review", panel(".review.view", "ReviewPanel"), tab="Review"),
    # the history behind the drivers' elasticities, and the KPI review (View > Ctrl+0)
    Feature("evidence", panel(".evidence.view", "EvidencePanel"), tab="Evidence"),
    # the open budget site's stories (an eleventh tab: no Ctrl+digit of its own)
    Feature("stories", panel(".stories.panel", "StoriesPanel"), tab="Stories"),
    # then, once the skeleton is built
    Feature("requests_menu", requests_menu),
    Feature("workbooks", WorkbooksController,
            menus=(("File/open", ("open_action", "open_folder_action", "open_mapped_action", "recent_menu",
                                  "sample_action")),
                   ("File/report", ("report_action",))),
            toolbar=("open_action",),
            exposes=("loadFinished", "open_initial", "open_sample", "open_dialog", "open_folder", "open_project",
                     "open_paths", "open_with_mapping", "show_report", "loading", "task", "progress",
                     "report_dialog", "recent_menu", "open_action", "_fill_recent")),
    Feature("scenario_files", ScenarioFiles,  # after workbooks: a new load forgets the scenarios' files
            menus=(("File/scenario", ("open_scenario_action",)),
                   ("Scenario/files", ("save_action", "save_scenario_as_action"))),
            exposes=("open_scenario", "save_scenario", "save_scenario_as", "scenario_paths", "save_action",
                     "save_scenario_as_action")),
    Feature("exports", ExportsController,
            menus=(("File/export", ("export_scenario_action", "export_comparison_action", "write_back_action")),),
            exposes=("exportFinished", "export_scenario", "export_scenario_dialog", "export_comparison",
                     "export_comparison_dialog", "write_back", "write_back_dialog", "department_workbooks",
                     "export_task", "export_progress", "export_box", "export_scenario_action",
                     "export_comparison_action", "write_back_action")),
    Feature("publisher", lambda w: PublishController(w, w.stories), menus=(("File/export", ("publish_action",)),)),
    # last: its shortcuts are chosen among those the others left free
    Feature("project_controller", project_support, toolbar=("save_action",)),
    # after the project controller: the stories follow its project file
    Feature("stories_file", stories_in_project),
    # team mode (ui/team/): File > Open Shared Project…, the role, read-only controls, others' changes
    Feature("team", install_team),
    # the start page in place of the tabs while nothing is loaded (its buttons are the open actions above)
    Feature("start", start_page),
)
