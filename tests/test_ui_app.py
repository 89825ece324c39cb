"""The desktop app driven through the real MainWindow (pytest-qt, headless)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from kcplanner.engine import evaluate
from kcplanner.readers import expand_paths
from kcplanner.scenario import Rule, Scenario, Target, load_scenario
from tests.conftest import BUDGET_SHEETS, PLAN_SHEETS, write_xlsx
from tests.conftest_ui import *  # noqa: F401,F403 - fixtures
from tests.conftest_ui import open_accepting_warnings, open_and_wait
from ui.common import settings as st


def driven_program(prepared):
    """(kpi index, department, program) of a KPI driven by one program's spending."""
    base = prepared.baseline_results()
    d = base.kpis.drivers
    for j in range(len(d.kpi_ids)):
        if d.programs[j] is not None and d.x.shape[1] and prepared.drv_mask[j].any():
            return int(d.kpi_index[j]), d.departments[j], d.programs[j]
    raise AssertionError("the sample has no program-level driver")


def test_open_folder_loads_every_workbook(qtbot, window, sample_dir):
    assert open_and_wait(qtbot, window, [sample_dir])
    s = window.session
    files = [str(p) for p in expand_paths([sample_dir])]
    assert sorted(s.dataset.sources) == sorted(files)
    assert s.project.plan.endswith("plan.xlsx")
    assert len(s.project.budgets) == len(files) - 1
    assert s.results is not None and s.results.kpis.ids
    last = st.last_project()
    assert last == s.project
    assert st.recent_projects()[0] == s.project
    raw = st.settings().value(st.KEY_LAST)
    assert isinstance(raw, str) and json.loads(raw)["plan"].endswith("plan.xlsx")


def test_drop_workbooks_opens_them(qtbot, window, sample_dir):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in sorted(sample_dir.glob("*.xlsx"))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.loadFinished, timeout=60_000) as blocker:
        window.dropEvent(event)
    assert blocker.args == [True]
    assert len(window.session.dataset.sources) == len(list(sample_dir.glob("*.xlsx")))


def test_slider_changes_kpi_curves_to_the_engine_values_and_undo_restores(qtbot, loaded):
    w, s = loaded, loaded.session
    P = s.prepared
    k, dept, prog = driven_program(P)
    w.tabs.setCurrentWidget(w.allocations)
    panel = w.allocations
    panel.set_mode("department")
    target = Target(department=dept, program=prog)
    assert panel.select_target(target)
    before = w.kpis.curve_data(k)[1].copy()
    np.testing.assert_array_equal(before, P.baseline_results().kpis.scenario[k])

    # one drag: press, several moves, release → one undo step, one rule
    panel.slider.sliderPressed.emit()
    for v in (4, 10, 16, 20):  # slider steps are 0.5%
        panel.slider.setValue(v)
    panel.slider.sliderReleased.emit()
    qtbot.waitUntil(lambda: not s._dirty)
    assert s.undo_stack.count() == 1
    assert len(s.scenario.rules) == 1
    assert s.scenario.rules[0].target == target and s.scenario.rules[0].value == 10.0

    expected = evaluate(P, Scenario(rules=(Rule("x", target, "percent", 10.0),)))
    got = w.kpis.curve_data(k)[1]
    np.testing.assert_allclose(got, expected.kpis.scenario[k], rtol=1e-12)
    assert not np.allclose(got, before)
    assert panel.percent.value() == 10.0

    # the same row again updates its rule
    panel.percent.setValue(-5.0)
    s.flush()
    assert len(s.scenario.rules) == 1 and s.scenario.rules[0].value == -5.0
    expected = evaluate(P, Scenario(rules=(Rule("x", target, "percent", -5.0),)))
    np.testing.assert_allclose(w.kpis.curve_data(k)[1], expected.kpis.scenario[k], rtol=1e-12)

    s.undo_stack.undo()
    s.flush()
    np.testing.assert_allclose(w.kpis.curve_data(k)[1], evaluate(P, Scenario(rules=(Rule("x", target, "percent", 10.0),))).kpis.scenario[k], rtol=1e-12)
    s.undo_stack.undo()
    s.flush()
    assert s.scenario.rules == ()
    np.testing.assert_array_equal(w.kpis.curve_data(k)[1], before)
    assert panel.slider.value() == 0
    s.undo_stack.redo()
    s.flush()
    assert s.scenario.rules[0].value == 10.0


def test_edits_in_one_frame_cost_one_evaluation(qtbot, loaded):
    s = loaded.session
    panel = loaded.allocations
    panel.set_mode("fund")
    first = panel.model.index(0, 0)
    panel.tree.setCurrentIndex(first)
    n = s.evaluations
    for v in range(1, 11):
        panel.set_percent(float(v), merge_key=("test", 1))
    assert s.evaluations == n  # nothing evaluated yet: scheduled
    qtbot.waitUntil(lambda: s.evaluations > n)
    qtbot.wait(30)
    assert s.evaluations == n + 1
    assert s.undo_stack.count() == 1
    assert "Recalculated in" in loaded.recalc_label.text()


def test_multi_row_percent_and_amount(qtbot, loaded):
    s, panel = loaded.session, loaded.allocations
    panel.set_mode("department")
    model = panel.model
    sel = panel.tree.selectionModel()
    from PySide6.QtCore import QItemSelectionModel as SM
    for r in (0, 1, 2):
        sel.select(model.index(r, 0), SM.SelectionFlag.Select | SM.SelectionFlag.Rows)
    targets = panel.selected_targets()
    assert len(targets) == 3
    panel.set_percent(-3.0)
    panel.amount.setValue(250_000)
    panel.apply_amount.click()
    s.flush()
    kinds = sorted((r.kind, r.target.department) for r in s.scenario.rules)
    assert len(kinds) == 6
    expected = evaluate(s.prepared, s.scenario)
    np.testing.assert_allclose(s.results.by_department.scenario, expected.by_department.scenario)
    # the tree shows the engine's department totals
    for r in range(3):
        idx = model.index(r, 0)
        name = idx.data()
        i = expected.by_department.names.index(name)
        assert model.values(model.node(idx))[1] == pytest.approx(expected.by_department.scenario[i, s.year], rel=1e-9)
    assert s.undo_stack.count() == 2
    panel.clear.click()
    assert s.scenario.rules == ()
    s.undo_stack.undo()
    assert len(s.scenario.rules) == 6


def test_bad_workbook_shows_the_report_and_loads_nothing(qtbot, window, loaded, tmp_path):
    from ui.screenshots import write_bad_workbook

    before = window.session.prepared
    bad = write_bad_workbook(tmp_path)
    assert not open_and_wait(qtbot, window, [bad])
    assert window.session.prepared is before  # the loaded dataset is untouched
    dlg = window.report_dialog
    assert dlg is not None and dlg.isVisible()
    assert dlg.model.rowCount() >= 3
    severities = {dlg.model.index(r, 0).data() for r in range(dlg.model.rowCount())}
    assert severities == {"Error"}
    cells = {dlg.model.index(r, 3).data() for r in range(dlg.model.rowCount())}
    assert "H2" in cells
    text = dlg.copy()
    assert text.splitlines()[0] == "Severity\tFile\tSheet\tCell\tMessage"
    assert "bad-budget.xlsx" in text
    from PySide6.QtGui import QGuiApplication
    assert QGuiApplication.clipboard().text() == text
    dlg.save(str(tmp_path / "report.txt"))
    assert "error(s)" in (tmp_path / "report.txt").read_text()
    dlg.save(str(tmp_path / "report.json"))
    assert json.loads((tmp_path / "report.json").read_text())["problems"]
    # sorting by cell through the proxy
    dlg.view.sortByColumn(3, Qt.SortOrder.DescendingOrder)
    assert dlg.proxy.index(0, 3).data() == "H2"


def test_bad_workbook_in_an_empty_window(qtbot, window, tmp_path):
    from ui.screenshots import write_bad_workbook

    assert not open_and_wait(qtbot, window, [write_bad_workbook(tmp_path)])
    assert window.session.prepared is None
    assert st.last_project() is None


def test_warnings_let_the_user_continue(qtbot, window, tmp_path):
    sheets = {k: [list(r) for r in v] for k, v in PLAN_SHEETS.items()}
    sheets["Settings"].append(["Favourite colour", "blue"])
    plan = write_xlsx(tmp_path / "plan.xlsx", sheets)
    budget = write_xlsx(tmp_path / "police.xlsx", BUDGET_SHEETS)
    window.open_paths([str(plan), str(budget)])
    qtbot.waitUntil(lambda: window.report_dialog is not None and window.report_dialog.isVisible(), timeout=30_000)
    assert window.session.prepared is None
    dlg = window.report_dialog
    assert dlg.model.index(0, 0).data() == "Warning"
    with qtbot.waitSignal(window.loadFinished) as blocker:
        dlg.accept()
    assert blocker.args == [True]
    assert window.session.prepared is not None
    assert window.session.dataset.plan.settings.city == "Testville"


def test_cancel_loading_keeps_the_window_as_it_was(qtbot, window, sample_dir):
    with qtbot.waitSignal(window.loadFinished, timeout=60_000) as blocker:
        window.open_paths([str(sample_dir)])
        window.progress.canceled.emit()  # what the Cancel button does
    assert blocker.args == [False]
    assert window.session.prepared is None
    assert not window.loading


def test_compare_shows_the_difference_of_two_scenarios(qtbot, loaded):
    w, s = loaded, loaded.session
    P = s.prepared
    dept = s.results.by_department.names[0]
    w.scenario_list.duplicate()
    s.edit_scenario(s.scenario.add_rule(Rule("cut", Target(department=dept), "percent", -10)), "cut")
    w.tabs.setCurrentWidget(w.compare)
    w.compare.set_pair(0, 1)
    a = evaluate(P, s.scenarios[0])
    b = evaluate(P, s.scenarios[1])
    t = s.year
    i = b.by_department.names.index(dept)
    want = b.by_department.scenario[i, t] - a.by_department.scenario[i, t]
    assert want < 0
    assert w.compare.difference("departments", dept, "expenditure") == pytest.approx(want)
    total = b.funds.expenditure[:, t].sum() - a.funds.expenditure[:, t].sum()
    assert "vs" in w.compare.summary.text()
    ya = w.compare.curves["total"][0].getData()[1]
    yb = w.compare.curves["total"][1].getData()[1]
    assert yb[t] - ya[t] == pytest.approx(total)


def test_scenario_list_and_files(qtbot, loaded, tmp_path):
    w, s = loaded, loaded.session
    lst = w.scenario_list
    lst.new()
    assert [x.name for x in s.scenarios] == ["Scenario 1", "Scenario 2"] and s.state.current == 1
    s.edit_scenario(s.scenario.add_rule(Rule("more", Target(department=s.results.by_department.names[0]), "percent", 3)),
                    "rule")
    lst.duplicate()
    assert s.scenarios[2].name == "Scenario 2 copy" and s.scenarios[2].rules == s.scenarios[1].rules
    assert lst.model.setData(lst.model.index(2), "Lean")
    assert s.scenario.name == "Lean"
    path = tmp_path / "lean.json"
    w.save_scenario_as(str(path))
    assert load_scenario(path) == s.scenario
    lst.delete()
    assert [x.name for x in s.scenarios] == ["Scenario 1", "Scenario 2"]
    w.open_scenario(str(path))
    assert s.scenario.name == "Lean" and s.scenario.rules == s.scenarios[1].rules
    n = s.undo_stack.count()
    for _ in range(n):
        s.undo_stack.undo()
    assert [x.name for x in s.scenarios] == ["Scenario 1"]
    lst.model.refresh()
    assert lst.model.rowCount() == 1


def test_rules_view_edits_flags_and_reorders(qtbot, loaded):
    w, s = loaded, loaded.session
    depts = s.results.by_department.names
    sc = s.scenario.add_rule(Rule("a", Target(department=depts[0]), "percent", 5))
    sc = sc.add_rule(Rule("ghost", Target(department="Department of Nowhere"), "percent", 5))
    sc = sc.add_rule(Rule("b", Target(department=depts[1]), "amount", 1000))
    s.edit_scenario(sc, "rules")
    s.flush()
    m = w.rules.model
    assert m.rowCount() == 3
    assert m.index(1, 0).data(Qt.ItemDataRole.DecorationRole) is not None
    assert "Nowhere" in m.index(1, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert m.index(0, 0).data(Qt.ItemDataRole.DecorationRole) is None
    assert m.setData(m.index(0, 4), 7.5)
    assert s.scenario.rules[0].value == 7.5
    assert m.setData(m.index(0, 1), "Police raise")
    assert s.scenario.rules[0].label == "Police raise"
    y = s.plan_years
    assert m.setData(m.index(0, 5), f"FY{y[1]}")
    assert m.setData(m.index(0, 6), str(y[3]))
    assert (s.scenario.rules[0].start, s.scenario.rules[0].end) == (y[1], y[3])
    assert not m.setData(m.index(0, 5), "not a year")
    w.rules._select(2)
    w.rules.move_selected(-1)
    assert [r.label for r in s.scenario.rules] == ["Police raise", "b", "ghost"]
    w.rules.delete_selected()
    assert [r.label for r in s.scenario.rules] == ["Police raise", "ghost"]
    s.undo_stack.undo()
    s.undo_stack.undo()
    assert [r.label for r in s.scenario.rules] == ["Police raise", "ghost", "b"]
    s.flush()
    expected = evaluate(s.prepared, s.scenario)
    np.testing.assert_allclose(s.results.funds.balance, expected.funds.balance)


def test_kpi_detail_shows_drivers_and_contributions(qtbot, loaded):
    w, s = loaded, loaded.session
    k, dept, prog = driven_program(s.prepared)
    s.edit_scenario(Scenario(rules=(Rule("x", Target(department=dept, program=prog), "percent", 20),)), "x")
    s.flush()
    w.show_kpi(k)
    dlg = w.kpi_detail
    assert dlg.isVisible()
    d = s.results.kpis.drivers
    idx = np.flatnonzero(np.asarray(d.kpi_index) == k)
    assert dlg.drivers.rowCount() == len(idx) + 1
    effects = np.array([dlg.drivers.rows[r][3:8] for r in range(len(idx))], dtype=float)
    np.testing.assert_allclose(effects, d.effect[idx])
    np.testing.assert_allclose(dlg.scenario.getData()[1], s.results.kpis.scenario[k])
    # clicking a chart in the panel opens the same detail
    with qtbot.waitSignal(w.kpis.kpiClicked, timeout=1000):
        w.kpis.kpiClicked.emit(0)
    assert w.kpi_detail.k == 0


def test_only_off_target_filter(qtbot, loaded):
    panel = loaded.kpis
    res = loaded.session.results.kpis
    off = int((res.has_target & ~res.met).any(axis=1).sum())
    panel.only_off.setChecked(True)
    assert len(panel._shown) == off
    panel.only_off.setChecked(False)
    assert len(panel._shown) == len(res.ids)


def test_window_geometry_year_and_tab_are_restored(qtbot, loaded, ui_settings):
    from ui.mainwindow import MainWindow

    loaded.resize(1111, 777)
    loaded.year.setCurrentIndex(2)
    loaded.tabs.setCurrentIndex(3)
    loaded.allocations.set_mode("department")
    loaded.close()
    assert st.load_bytes(st.KEY_GEOMETRY) is not None and st.load_bytes(st.KEY_STATE) is not None
    assert isinstance(st.settings().value(st.KEY_GEOMETRY), str)  # stored as plain base64 text
    w2 = MainWindow()
    qtbot.addWidget(w2)
    assert w2.tabs.currentIndex() == 3
    assert w2._saved_year == 2
    assert w2.allocations.model.mode == "department"
    # restored from the saved geometry, not the default 1400×900 (the offscreen screen may clamp it)
    assert (w2.width(), w2.height()) != (1400, 900)


def test_find_shortcut_and_line_items_tab(qtbot, loaded):
    w = loaded
    w.find()
    assert w.tabs.currentWidget() is w.line_items
    w.line_items.filter.setText("police")
    w.line_items.apply_filter()
    assert 0 < w.line_items.model.rowCount() < len(w.line_items.model.base)
    assert "of" in w.line_items.count.text()


def test_year_selector_updates_overview_cards(qtbot, loaded):
    w, s = loaded, loaded.session
    w.year.setCurrentIndex(4)
    assert s.year == 4
    total = s.results.funds.expenditure[:, 4].sum()
    from ui.common import fmt
    assert fmt.money(total) in w.overview.total.note.text()


def test_budget_without_a_plan_opens(qtbot, window, tmp_path):
    budget = write_xlsx(tmp_path / "police.xlsx", BUDGET_SHEETS)
    open_accepting_warnings(qtbot, window, [budget])
    s = window.session
    assert s.project.plan is None and s.results.kpis.ids == []
    assert window.kpis.cells == []
    for tab in range(window.tabs.count()):
        window.tabs.setCurrentIndex(tab)
        qtbot.wait(5)
    window.allocations.set_mode("fund")
    window.allocations.tree.setCurrentIndex(window.allocations.model.index(0, 0))
    window.allocations.set_percent(5)
    s.flush()
    assert s.results.by_fund.scenario[0, 0] > s.results.by_fund.baseline[0, 0]


def test_funding_a_request_is_an_undo_step(qtbot, loaded, qtmodeltester):
    w, s = loaded, loaded.session
    m = w.requests.model  # the full Requests panel (ui/requests/view.py)
    assert w.requests is w.requests_panel and w.tabs.indexOf(w.requests) == 5
    assert [w.tabs.tabText(i) for i in range(w.tabs.count())].count("Requests") == 1
    qtmodeltester.check(m)
    assert m.rowCount() == len(s.prepared.request_ids) > 0
    rid = m.records[0].request_id
    assert m.setData(m.index(0, 0), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    s.flush()
    assert s.scenario.funded_requests == (rid,)
    assert s.results.requests.ids == [rid]
    assert m.index(0, 0).data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    expected = evaluate(s.prepared, Scenario(funded_requests=(rid,)))
    np.testing.assert_allclose(s.results.funds.balance, expected.funds.balance)
    s.undo_stack.undo()
    s.flush()
    assert s.scenario.funded_requests == () and s.results.requests.ids == []


def test_open_dialog_recent_menu_and_shortcuts(qtbot, window, sample_dir):
    from PySide6.QtGui import QKeySequence

    from ui.common.dialogs import OpenDialog
    from ui.common.settings import Project

    project = Project(str(sample_dir / "plan.xlsx"), (str(sample_dir / "police.xlsx"), str(sample_dir)))
    dlg = OpenDialog(project, window)
    qtbot.addWidget(dlg)
    assert dlg.project() == project
    dlg.plan.clear()
    assert dlg.project().plan is None
    st.remember_project(project)
    window._fill_recent()
    labels = [a.text() for a in window.recent_menu.actions()]
    assert labels[0] == project.label and "Clear the list" in labels
    assert window.undo_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Undo)
    assert QKeySequence("Ctrl+Y") in window.redo_action.shortcuts()
    assert window.open_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Open)
    window.show_report()  # nothing imported yet: a status message, no dialog
    assert window.report_dialog is None


def test_replace_prepared_keeps_scenarios_and_undo(qtbot, loaded):
    s = loaded.session
    s.edit_scenario(s.scenario.add_rule(Rule("r", Target(department=s.results.by_department.names[0]), "percent", 4)),
                    "r")
    s.flush()
    before = s.results.funds.balance.copy()
    s.replace_prepared(s.prepared)
    assert s.undo_stack.count() == 1 and len(s.scenario.rules) == 1
    np.testing.assert_allclose(s.results.funds.balance, before)
    assert len(loaded.kpis.cells) == len(s.results.kpis.ids)
