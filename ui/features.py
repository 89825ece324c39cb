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
from typing import Any, Callable

from PySide6.QtWidgets import QStyle

from .allocations.view import AllocationPanel
from .evidence.view import EvidencePanel
from .exports.controller import ExportsController
from .funds.view import FundsPanel
from .kpis.view import KpiPanel
from .lineitems.view import LineItemsPanel
from .overview.view import OverviewPanel
from .project.controller import install_project_support
from .publish.controller import PublishController
from .requests.view import RequestsPanel, add_requests_menu
from .review.view import ReviewPanel
from .rules.view import RulesPanel
from .scenarios.files import ScenarioFiles
from .scenarios.view import ComparePanel
from .stories.keeper import StoriesKeeper
from .stories.panel import StoriesPanel
from .team.controller import install_team
from .workbooks.controller import WorkbooksController


@dataclass(frozen=True)
class Feature:
    """One feature of the main window; the window keeps what `install(window)` returns as `window.<name>`."""

    name: str
    install: Callable[[Any], Any]  # install(window) -> the feature's panel or controller
    tab: str = ""  # the panel's tab title ("" for a feature without a tab)
    menus: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (menu slot, attribute names of its actions/submenus)
    toolbar: tuple[str, ...] = ()  # attribute names of its actions at the start of the toolbar
    exposes: tuple[str, ...] = ()  # `window.<name>` is answered by the installed object (its public face)


def kpi_panel(window) -> KpiPanel:
    """The KPIs tab; a click on a card opens the KPI's detail window (`MainWindow.show_kpi`)."""
    panel = KpiPanel(window.session)
    panel.kpiClicked.connect(window.show_kpi)
    return panel


def requests_menu(window):
    """The Requests menu: the Requests panel's actions (ui/requests/view.py)."""
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


FEATURES: tuple[Feature, ...] = (
    # the tabs, left to right (View > Ctrl+1 … Ctrl+9, Ctrl+0)
    Feature("overview", lambda w: OverviewPanel(w.session), tab="Overview"),
    Feature("allocations", lambda w: AllocationPanel(w.session), tab="Allocations"),
    Feature("kpis", kpi_panel, tab="KPIs"),
    Feature("funds", lambda w: FundsPanel(w.session), tab="Funds"),
    Feature("line_items", lambda w: LineItemsPanel(w.session), tab="Line items"),
    Feature("requests", lambda w: RequestsPanel(w.session, w), tab="Requests"),
    Feature("rules", lambda w: RulesPanel(w.session), tab="Rules"),
    Feature("compare", lambda w: ComparePanel(w.session), tab="Compare"),
    # the year in execution against its budget (not the plan): after the plan's tabs, before History
    Feature("review", lambda w: ReviewPanel(w.session), tab="Review"),
    # the history behind the drivers' elasticities, and the KPI review (View > Ctrl+0)
    Feature("evidence", lambda w: EvidencePanel(w.session), tab="Evidence"),
    # the open budget site's stories (an eleventh tab: no Ctrl+digit of its own)
    Feature("stories", lambda w: StoriesPanel(w.session), tab="Stories"),
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
)
