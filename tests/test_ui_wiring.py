"""The features wired into the main window: the Requests panel, the project file (Ctrl+S, the title,
the message bar, asking before workbooks replace a project), exports on a worker (scenario,
comparison, write back, the History sheet), scenarios from exported workbooks, and import
mappings asked for before a load (pytest-qt, headless)."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtGui import QKeySequence

from kcplanner.project import Project
from kcplanner.scenario import Rule, Scenario, Target
from tests.conftest_ui import *  # noqa: F401,F403 - fixtures
from tests.conftest_ui import open_and_wait

ROOT = Path(__file__).resolve().parents[1]
OAKLAND = Path("/work/shared/realdata/oakland/BudgetData for Public Adopted FY2016-17 Midcycle.xlsx")
OAKLAND_EXPENSE = Decimal("1239428331")


def a_rule(s) -> Rule:
    return Rule("cut", Target(department=s.results.by_department.names[0]), "percent", -3.0)


def create_project(qtbot, w, path):
    c = w.project_controller
    with qtbot.waitSignal(c.opened, timeout=30_000):
        c.new_project(path)
    return c.project


def export_and_wait(qtbot, w, start, timeout=60_000) -> list:
    with qtbot.waitSignal(w.exportFinished, timeout=timeout) as blocker:
        task = start()
        assert task is not None
    return blocker.args[0]


# -- one window ------------------------------------------------------------------------------------

def test_one_requests_tab_and_menus(loaded):
    from ui.requests.view import RequestsPanel, install_requests

    w = loaded
    texts = [w.tabs.tabText(i) for i in range(w.tabs.count())]
    assert texts.count("Requests") == 1 and texts[-1] == "History"
    assert isinstance(w.requests, RequestsPanel) and install_requests(w) is w.requests
    menus = [a.text().replace("&", "") for a in w.menuBar().actions()]
    assert menus.count("Requests") == 1 and menus.index("Requests") < menus.index("View")
    assert w.requests.model.rowCount() == len(w.session.prepared.request_ids)
    assert w.undo_dock.windowTitle() == "Undo history"


def test_ctrl_s_saves_the_project_and_scenario_files_have_no_shortcut(qtbot, loaded, tmp_path, monkeypatch):
    w, c = loaded, loaded.project_controller
    assert c.save_action.shortcut() == QKeySequence("Ctrl+S")
    assert c.save_as_action.shortcut() == QKeySequence("Ctrl+Shift+S")
    assert w.save_action.shortcut().isEmpty() and w.save_scenario_as_action.shortcut().isEmpty()
    assert c.save_action in w.toolbar.actions()
    # no project yet: Save Project makes one (asks for the file name, like an untitled document)
    target = tmp_path / "city.kcplan"
    monkeypatch.setattr("ui.project.files.QFileDialog.getSaveFileName", lambda *a, **k: (str(target), ""))
    assert c.save_action.isEnabled()
    with qtbot.waitSignal(c.opened, timeout=30_000):
        c.save_action.trigger()
    assert c.project is not None and c.project.path == target
    s = w.session
    s.edit_scenario(s.scenario.add_rule(a_rule(s)), "cut")
    qtbot.waitUntil(lambda: c.save_action.isEnabled())
    c.save_action.trigger()
    assert c.project.unsaved_edits == 0


def test_title_and_message_bar_are_the_windows(qtbot, loaded, tmp_path):
    w, c, s = loaded, loaded.project_controller, loaded.session
    assert w.centralWidget().isAncestorOf(c.bar) and w.centralWidget().isAncestorOf(w.tabs)
    assert c.bar.geometry().top() <= w.tabs.geometry().top()
    title = w.windowTitle()
    assert title.endswith(" — kcplanner") and s.scenario.name in title and ".kcplan" not in title
    create_project(qtbot, w, tmp_path / "title.kcplan")
    assert w.windowTitle().endswith("— title.kcplan — kcplanner")
    s.edit_scenario(s.scenario.add_rule(a_rule(s)), "cut")
    qtbot.waitUntil(lambda: "title.kcplan (unsaved changes) — kcplanner" in w.windowTitle())
    assert "*" not in w.windowTitle()  # the project's state, not the scenario file's
    c.save_project()
    assert w.windowTitle().endswith("— title.kcplan — kcplanner")


def test_a_data_edit_is_not_a_reload(qtbot, loaded, tmp_path):
    from kcplanner.requests import Request

    from ui.requests.commands import create_request

    w, c, s = loaded, loaded.project_controller, loaded.session
    project = create_project(qtbot, w, tmp_path / "edit.kcplan")
    reasons = []
    s.dataReplaced.connect(reasons.append)
    serial = s.load_serial
    P = s.prepared
    li = P.dataset.budget.line_items
    create_request(s, Request("APP-9", str(li["department"].iloc[0]), str(li["program"].iloc[0]),
                              str(li["fund"].iloc[0]), "In-app request", costs={s.plan_years[0]: 1000.0}))
    assert reasons == ["edit"] and s.load_serial == serial and s.last_data_change == "edit"
    assert c.project is project  # still attached: the edit went to the file
    with Project.open(project.path, read_only=True) as other:
        assert "APP-9" in list(other.dataset.budget.requests["request_id"].astype(str))
    s.set_data(P, s.report, s.project)  # a load
    assert reasons[-1] == "load" and s.load_serial == serial + 1
    assert c.project is None


def test_opening_workbooks_over_a_project_asks_first(qtbot, loaded, tmp_path, sample_dir):
    w, c, s = loaded, loaded.project_controller, loaded.session
    create_project(qtbot, w, tmp_path / "ask.kcplan")
    s.edit_scenario(s.scenario.add_rule(a_rule(s)), "cut")
    qtbot.waitUntil(lambda: c.project.unsaved_edits > 0)
    asked = []
    c.confirm_unsaved = lambda: asked.append(1) or "cancel"
    w.open_paths([str(sample_dir)])
    assert asked and w.task is None and c.project is not None  # Cancel: nothing happens
    c.confirm_unsaved = lambda: asked.append(2) or "save"
    assert open_and_wait(qtbot, w, [sample_dir])
    assert asked == [1, 2] and c.project is None and s.scenario.rules == ()
    with Project.open(tmp_path / "ask.kcplan", read_only=True) as p:
        assert p.unsaved_edits == 0 and len(p.scenarios[0].rules) == 1  # Save kept the edit


# -- exports -----------------------------------------------------------------------------------------

def test_export_scenario_comparison_and_write_back(qtbot, loaded, tmp_path, sample_dir):
    w, s = loaded, loaded.session
    s.edit_scenario(s.scenario.add_rule(a_rule(s)), "cut")
    s.set_scenarios(list(s.scenarios) + [Scenario("Other")], 0, "new")
    out = tmp_path / "scenario.xlsx"
    assert export_and_wait(qtbot, w, lambda: w.export_scenario(str(out))) == [str(out)]
    assert "History" not in openpyxl.load_workbook(out, read_only=True).sheetnames  # no project open
    # the exported workbook opens as a scenario (its Rules sheet)
    w.open_scenario(str(out))
    assert len(s.scenarios) == 3 and s.scenario.rules == s.scenarios[0].rules
    s.select_scenario(0)
    cmp_ = tmp_path / "compare.xlsx"
    assert export_and_wait(qtbot, w, lambda: w.export_comparison("Other", str(cmp_))) == [str(cmp_)]
    assert cmp_.stat().st_size > 0
    folder = tmp_path / "back"
    books = w.department_workbooks()
    assert books and all(b.parent == sample_dir for b in books) and not any(b.name == "plan.xlsx" for b in books)
    written = export_and_wait(qtbot, w, lambda: w.write_back(str(folder)))
    assert len(written) == len(books) and all(Path(p).exists() for p in written)
    assert all(Path(p).name.endswith(f" - {s.scenario.name}.xlsx") for p in written)
    assert w.export_task is None and w.export_progress is None


def test_export_with_a_project_has_the_history_sheet(qtbot, loaded, tmp_path):
    w, s = loaded, loaded.session
    create_project(qtbot, w, tmp_path / "hist.kcplan")
    s.edit_scenario(s.scenario.add_rule(a_rule(s)), "cut")
    out = tmp_path / "with-history.xlsx"
    export_and_wait(qtbot, w, lambda: w.export_scenario(str(out)))
    wb = openpyxl.load_workbook(out, read_only=True)
    assert wb.sheetnames[-1] == "History"
    rows = list(wb["History"].iter_rows(values_only=True))
    assert rows[0][0] == "#" and len(rows) >= 3
    assert any("cut" in " ".join(str(v) for v in r if v is not None) for r in rows[1:])


def test_export_errors_and_cancel(qtbot, loaded, tmp_path):
    w = loaded
    assert export_and_wait(qtbot, w, lambda: w.export_scenario(str(tmp_path / "wrong.txt"))) == []
    assert w.export_box is not None and ".xlsx" in w.export_box.text()  # OutputError: a clear message
    w.export_box.close()
    out = tmp_path / "cancelled.xlsx"

    def start():
        task = w.export_scenario(str(out))
        task.cancel()
        return task
    assert export_and_wait(qtbot, w, start) == []
    assert not out.exists() and w.export_task is None
    assert "cancelled" in w.statusBar().currentMessage()


# -- import mappings -----------------------------------------------------------------------------------

@pytest.mark.skipif(not OAKLAND.exists(), reason="the Oakland real data are not here")
def test_oakland_opens_through_the_mapping_dialog(qtbot, window, monkeypatch, tmp_path):
    from kcplanner.readers.mapping import load_mapping

    asked = []

    def fake_edit_mapping(path, mapping=None, parent=None, sheet=None):
        asked.append(Path(path).name)
        assert parent is window and window.task is None  # before the load, on the GUI thread
        return load_mapping(ROOT / "kcplanner" / "resources" / "mappings" / "oakland.json")
    monkeypatch.setattr("ui.mapping.dialog.edit_mapping", fake_edit_mapping)
    with qtbot.waitSignal(window.loadFinished, timeout=120_000) as blocker:
        window.open_paths([str(OAKLAND)])
        qtbot.waitUntil(lambda: window.report_dialog is not None or not window.loading, timeout=120_000)
        if window.report_dialog is not None:  # Oakland's four #N/A cells are warnings
            window.report_dialog.accept()
    assert blocker.args == [True] and asked == [OAKLAND.name]
    ds = window.session.dataset
    assert Decimal(repr(math.fsum(ds.budget.amounts[(2017, "Adopted")]))).quantize(Decimal("1")) == OAKLAND_EXPENSE
    assert len(window.session.mappings) == 1 and window.session.mappings[0].matches(OAKLAND)
    # the mapping goes into a project made of these workbooks (for re-import)
    project = create_project(qtbot, window, tmp_path / "oakland.kcplan")
    assert len(project.import_arguments().mappings) == 1


BOSTON = Path("/work/shared/realdata/boston/fy24-adopted-operating-budget.csv")


@pytest.mark.skipif(not BOSTON.exists(), reason="the Boston real data are not here")
def test_open_with_mapping_reads_a_csv_with_a_saved_mapping(qtbot, window, monkeypatch):
    from kcplanner.readers import needs_mapping

    assert needs_mapping(BOSTON)
    answers = iter([([str(BOSTON)], ""), ([str(ROOT / "kcplanner" / "resources" / "mappings" / "boston-operating.json")], "")])
    monkeypatch.setattr("ui.workbooks.controller.QFileDialog.getOpenFileNames", lambda *a, **k: next(answers))

    def no_dialog(*_a, **_k):
        raise AssertionError("a saved mapping applies: no mapping dialog")
    monkeypatch.setattr("ui.mapping.dialog.edit_mapping", no_dialog)
    with qtbot.waitSignal(window.loadFinished, timeout=120_000) as blocker:
        window.open_with_mapping()
        qtbot.waitUntil(lambda: window.report_dialog is not None or not window.loading, timeout=120_000)
        if window.report_dialog is not None and window.report_dialog.isVisible():
            window.report_dialog.accept()
    assert blocker.args == [True]
    assert len(window.session.dataset.budget.line_items) > 100
    assert [m.files for m in window.session.mappings] == ["*operating*"]


def test_cancelling_the_mapping_dialog_cancels_the_opening(qtbot, window, monkeypatch, tmp_path):
    if not OAKLAND.exists():
        pytest.skip("the Oakland real data are not here")
    monkeypatch.setattr("ui.mapping.dialog.edit_mapping", lambda *a, **k: None)
    with qtbot.waitSignal(window.loadFinished, timeout=60_000) as blocker:
        window.open_paths([str(OAKLAND)])
    assert blocker.args == [False] and not window.session.loaded and window.task is None
    assert "needs an import mapping" in window.statusBar().currentMessage()
