"""The Requests panel, the request undo commands, the justification builder, the justification
export and the optimizer dialog, driven through the real widgets (pytest-qt, headless)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialogButtonBox
from python_calamine import CalamineWorkbook

from kcplanner.engine import evaluate, prepare
from kcplanner.justification import JustificationNarrative
from kcplanner.optimize import OptimizeOptions, greedy_fill, optimize
from kcplanner.requests import Request, get_request, request_effect, request_records
from kcplanner.scenario import Scenario
from tests.conftest_ui import *  # noqa: F401,F403 - fixtures
from ui.requests.builder import compare_expectation, format_expectation, parse_expectation
from ui.optimizer.models import BoundsModel, LockModel
from ui.requests.table import RequestsModel
from ui.requests.view import install_requests
from ui.requests.commands import edit_request, same_structure


@pytest.fixture
def app_window(window, sample_loaded):
    """The main window with the Requests panel installed and the sample loaded."""
    project, prepared, report = sample_loaded
    panel = install_requests(window)
    window.session.set_data(prepared, report, project)
    window.tabs.setCurrentWidget(panel)
    return window, panel


def moving_request(P, scenario=None) -> str:
    """A request that moves some KPI (and costs something)."""
    scenario = scenario or Scenario("S")
    for rid in P.request_ids:
        e = request_effect(P, scenario, rid)
        if e.moved_kpis() and e.total_cost > 0:
            return rid
    raise AssertionError("no request of the sample moves a KPI")


def same_results(a, b) -> bool:
    return (np.array_equal(a.kpis.scenario, b.kpis.scenario, equal_nan=True)
            and np.array_equal(a.funds.balance, b.funds.balance, equal_nan=True)
            and np.array_equal(a.funds.structural, b.funds.structural, equal_nan=True)
            and np.array_equal(a.kpis.score, b.kpis.score, equal_nan=True))


def click_check(qtbot, view, proxy_row: int, column: int = 0) -> None:
    rect = view.visualRect(view.model().index(proxy_row, column))
    view.scrollTo(view.model().index(proxy_row, column))
    rect = view.visualRect(view.model().index(proxy_row, column))
    pos = QPoint(rect.left() + 10, rect.center().y())
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)


# ---------------------------------------------------------------------------------------------
def test_install_adds_the_tab_and_the_requests_menu(app_window):
    w, panel = app_window
    assert w.requests_panel is panel
    assert w.tabs.widget(w.tabs.indexOf(panel)) is panel and w.tabs.tabText(w.tabs.indexOf(panel)) == "Requests"
    assert [w.tabs.tabText(i) for i in range(w.tabs.count())].count("Requests") == 1
    menu = next(a.menu() for a in w.menuBar().actions() if a.text().replace("&", "") == "Requests")
    texts = [a.text().replace("&", "") for a in menu.actions() if a.text()]
    for want in ("New request…", "Duplicate request", "Delete request", "Build justification…",
                 "Export justification…", "Fund the best set…"):
        assert want in texts
    assert panel.model.rowCount() == len(w.session.prepared.request_ids)


def test_models_pass_the_model_tester(qtmodeltester, app_window):
    w, panel = app_window
    qtmodeltester.check(panel.model)
    qtmodeltester.check(panel.proxy)
    panel.table.selectRow(0)
    qtmodeltester.check(panel.effect.kpi_model)
    qtmodeltester.check(panel.effect.fund_model)
    P = w.session.prepared
    locks = LockModel(P)
    locks.set_lock(P.request_ids[0], "must")
    qtmodeltester.check(locks)
    bounds = BoundsModel(["Police", "Fire"])
    bounds.set_bounds("Police", -2, 3)
    qtmodeltester.check(bounds)
    assert bounds.bounds() == {"Police": (-2.0, 3.0)}


def test_fund_checkbox_updates_results_like_the_engine_and_undo_restores(qtbot, app_window):
    w, panel = app_window
    s = w.session
    P = s.prepared
    base = s.scenario
    rid = moving_request(P)
    assert panel.select_request(rid)
    row = panel.table.currentIndex().row()
    before = s.results
    n_undo = s.undo_stack.count()
    click_check(qtbot, panel.table, row)
    assert panel.proxy.index(row, 0).data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    assert s.scenario.funded_requests == (rid,)
    qtbot.waitUntil(lambda: not s._dirty)
    assert same_results(s.results, evaluate(P, base.fund_request(rid)))
    assert not same_results(s.results, before)
    assert s.undo_stack.count() == n_undo + 1
    # the effect pane follows: the request is now funded in the base
    assert panel.current_effect().funded_in_base
    s.undo_stack.undo()
    s.flush()
    assert s.scenario.funded_requests == ()
    assert same_results(s.results, evaluate(P, base))
    assert panel.proxy.index(row, 0).data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked
    s.undo_stack.redo()
    s.flush()
    assert same_results(s.results, evaluate(P, base.fund_request(rid)))


def test_create_duplicate_delete_are_undoable_and_shown(qtbot, app_window):
    w, panel = app_window
    s = w.session
    P0 = s.prepared
    n = panel.model.rowCount()

    # create through the form
    dlg = panel.new_request()
    dept = P0.names["request_departments"][0]
    dlg.department.setCurrentText(dept)
    prog = P0.names["request_programs"][0]
    dlg.program.setCurrentText(prog)
    dlg.fund.setCurrentText(P0.names["request_funds"][0])
    dlg.title.setText("Two more inspectors")
    first = list(dlg.costs)[0]
    dlg.costs[first].setValue(250_000)
    dlg.costs[first + 1].setValue(260_000)
    dlg.fte.setValue(2)
    new_id = dlg.id.text()
    dlg.accept()
    assert panel.model.rowCount() == n + 1
    assert panel.selected_id() == new_id
    made = get_request(s.dataset, new_id)
    assert made.title == "Two more inspectors" and made.cost(first) == 250_000 and made.fte == 2
    assert new_id in s.prepared.request_ids
    # funding the new request works like any other
    panel.fund(new_id, True)
    s.flush()
    assert same_results(s.results, evaluate(s.prepared, s.scenario))
    j = s.prepared.request_index[new_id.casefold()]
    assert s.results.requests.ids == [new_id] and np.allclose(s.prepared.req_costs[j][:2], [250_000, 260_000])

    # duplicate
    copy = panel.duplicate_selected()
    assert panel.model.rowCount() == n + 2
    assert panel.selected_id() == copy.request_id and copy.title == "Two more inspectors (copy)"
    assert panel.model.row_of(copy.request_id) == panel.model.row_of(new_id) + 1

    # delete the funded original: the scenario stops funding it, in the same undo step
    panel.select_request(new_id)
    count = s.undo_stack.count()
    panel.delete_selected()
    assert panel.model.row_of(new_id) == -1 and panel.model.rowCount() == n + 1
    assert s.scenario.funded_requests == ()
    assert s.undo_stack.count() == count + 1
    assert s.results.unknown_requests == []

    s.undo_stack.undo()        # delete
    s.flush()
    assert panel.model.row_of(new_id) >= 0 and s.scenario.funded_requests == (new_id,)
    assert same_results(s.results, evaluate(s.prepared, s.scenario))
    s.undo_stack.undo()        # duplicate
    assert panel.model.row_of(copy.request_id) == -1
    s.undo_stack.undo()        # fund
    s.undo_stack.undo()        # create
    s.flush()
    assert s.prepared is P0 and panel.model.rowCount() == n and panel.model.row_of(new_id) == -1
    assert same_results(s.results, evaluate(P0, s.scenario))
    s.undo_stack.redo()
    assert panel.model.row_of(new_id) >= 0


def test_cost_edit_keeps_the_views_and_matches_a_fresh_prepare(qtbot, app_window):
    w, panel = app_window
    s = w.session
    P0 = s.prepared
    rid = moving_request(P0)
    s.edit_scenario(s.scenario.fund_request(rid), "fund")
    s.flush()
    rec = get_request(s.dataset, rid)
    y = P0.plan_years[1]
    with qtbot.assertNotEmitted(s.datasetChanged):
        edit_request(s, rid, rec.with_cost(y, rec.cost(y) + 1_000_000))
    assert same_structure(P0, s.prepared)
    fresh = prepare(s.dataset)
    assert same_results(s.results, evaluate(fresh, s.scenario))
    row = panel.model.row_of(rid)
    assert panel.model.costs[row].sum() == pytest.approx(P0.req_costs[P0.request_index[rid.casefold()]].sum() + 1e6)
    # rank edited in the table: an undo step too
    idx = panel.proxy.mapFromSource(panel.model.index(row, RequestsModel.RANK))
    assert panel.proxy.setData(idx, "7", Qt.ItemDataRole.EditRole)
    assert get_request(s.dataset, rid).rank == 7
    s.undo_stack.undo()
    assert get_request(s.dataset, rid).rank == rec.rank
    s.undo_stack.undo()
    assert s.prepared is P0


def test_effect_pane_shows_request_effect(app_window):
    w, panel = app_window
    s = w.session
    P = s.prepared
    rid = moving_request(P)
    panel.select_request(rid)
    e = request_effect(P, s.scenario, rid)
    pane = panel.effect
    assert pane.effect.request_id == rid
    moved = e.moved_kpis()
    rows = pane.kpi_model.rows
    assert {r[0] for r in rows} >= {e.kpi_ids[i] for i in moved}
    for r in rows:
        i = e.kpi_ids.index(r[0])
        assert np.array_equal(np.array(r[1:6]), e.kpi_delta[i])
        assert r[6] == e.cost_per_unit[i] or (np.isnan(r[6]) and np.isnan(e.cost_per_unit[i]))
    fund_rows = {(r[0], r[1]): r[2:] for r in pane.fund_model.rows}
    f = e.fund_names.index(e.fund)
    assert np.array_equal(np.array(fund_rows[(e.fund, "Expenditure")]), e.expenditure_delta[f])
    assert np.array_equal(np.array(fund_rows[(e.fund, "Balance")]), e.balance_delta[f])
    assert np.array_equal(np.array(fund_rows[(e.fund, "Structural")]), e.structural_delta[f])
    x, y = pane.curve_with.getData()
    k = pane.kpi_rows[0]
    assert np.array_equal(y, e.kpi_with[k])
    assert rid in pane.header.text()


def test_expectation_helpers():
    assert compare_expectation(2.0, None)[0] == "none"
    assert compare_expectation(2.0, 2.4)[0] == "agree"
    assert compare_expectation(2.0, 2.6)[0] == "differs"
    assert compare_expectation(2.0, 1.4)[0] == "differs"
    assert compare_expectation(-2.0, 2.0)[0] == "opposite"
    assert compare_expectation(0.0, 1.0)[0] == "no_projection"
    text = format_expectation(-0.5, "min", "FY2030-31", "Faster dispatch.")
    assert text == "Expected change: -0.5 (min) by FY2030-31. Faster dispatch."
    assert parse_expectation(text) == (-0.5, 2031, "Faster dispatch.")
    assert parse_expectation("About a minute faster") == (None, None, "About a minute faster")
    assert parse_expectation(format_expectation(1234567.0, "", "FY2027")) == (1234567.0, 2027, "")


def test_justification_builder_saves_a_narrative_and_flags_a_differing_expectation(qtbot, app_window):
    w, panel = app_window
    s = w.session
    rid = moving_request(s.prepared)
    panel.select_request(rid)
    dlg = panel.build_justification()
    qtbot.addWidget(dlg)
    assert dlg.kpi_rows, "the KPIs the request moves are listed"
    row = dlg.kpi_rows[0]
    dlg.steps.setCurrentRow(3)
    projected = dlg.projected(row)
    assert projected != 0
    assert projected == request_effect(s.prepared, s.scenario, rid).kpi_delta[row.index, row.year.currentIndex()]
    row.expected.setText(f"{projected * 1.1:.6g}")
    assert dlg.flags() == []
    row.expected.setText(f"{-projected:.6g}")
    assert [f[1] for f in dlg.flags()] == ["opposite"]
    assert "#f9dedc" in row.status.styleSheet()
    row.expected.setText(f"{projected * 3:.6g}")
    assert [f[1] for f in dlg.flags()] == ["differs"]
    assert "⚠" in dlg.flag_label.text()
    row.words.setText("Noticeably better within two years")
    dlg.what.setPlaceholderText("")
    dlg.what.setPlainText("Two crews")
    dlg.why.setPlainText("Response times are slipping")
    dlg.alternatives.setPlainText("Overtime; a contract")
    dlg.steps.setCurrentRow(5)
    assert "Two crews" in dlg.review.text()
    qtbot.mouseClick(dlg.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton)
    saved = panel.narratives[rid]
    assert isinstance(saved, JustificationNarrative)
    assert (saved.what, saved.why, saved.alternatives) == ("Two crews", "Response times are slipping",
                                                            "Overtime; a contract")
    kpi, text = saved.expected_effects[0]
    assert kpi == row.kpi_id
    value, year, words = parse_expectation(text)
    assert value == pytest.approx(projected * 3, rel=1e-5) and words == "Noticeably better within two years"
    assert year == s.prepared.plan_years[row.year.currentIndex()]
    # opened again, the form shows what was saved (and flags it again)
    again = panel.build_justification()
    qtbot.addWidget(again)
    r2 = again.row_for(row.kpi_id)
    assert float(r2.expected.text()) == pytest.approx(projected * 3, rel=1e-5)
    assert [f[1] for f in again.flags()] == ["differs"]
    again.reject()


def test_export_writes_the_workbook_and_the_pdf(qtbot, app_window, tmp_path):
    w, panel = app_window
    s = w.session
    rid = moving_request(s.prepared)
    dept = get_request(s.dataset, rid).department
    panel.save_narrative(rid, JustificationNarrative(what="WHAT-TEXT for council", why="why", alternatives="alt"))
    with qtbot.waitSignal(panel.exportFinished, timeout=60_000) as blocker:
        task = panel.export_justifications([dept], str(tmp_path / "out"))
        assert task is not None and panel.strip.isVisibleTo(panel)
        assert not panel.buttons["export"].isEnabled()
    paths = blocker.args[0]
    xlsx = tmp_path / "out" / f"{dept} justification.xlsx"
    pdf = tmp_path / "out" / f"{dept} justification.pdf"
    assert sorted(paths) == sorted([str(xlsx), str(pdf)])
    assert pdf.read_bytes()[:5] == b"%PDF-"
    wb = CalamineWorkbook.from_path(str(xlsx))
    rows = wb.get_sheet_by_name("Requests").to_python()
    ids = {r[1] for r in rows[4:] if len(r) > 1}
    want = {r.request_id for r in request_records(s.dataset) if r.department == dept}
    assert want <= ids
    texts = {c for name in wb.sheet_names[1:] for r in wb.get_sheet_by_name(name).to_python() for c in r
             if isinstance(c, str)}
    assert "WHAT-TEXT for council" in texts
    assert panel.export_task is None and not panel.strip.isVisibleTo(panel)
    assert panel.buttons["export"].isEnabled()


def test_optimizer_dialog_proposes_what_optimize_proposes_and_accept_adds_a_scenario(qtbot, app_window):
    w, panel = app_window
    s = w.session
    P = s.prepared
    dlg = panel.open_optimizer()
    qtbot.addWidget(dlg)
    lock_in, lock_out = P.request_ids[0], P.request_ids[1]
    dlg.locks.set_lock(lock_in, "must")
    dlg.locks.set_lock(lock_out, "never")
    dept = P.names["request_departments"][2]
    dlg.bounds.set_bounds(dept, -1, 1)
    options = dlg.options()
    assert options.must_fund == (lock_in,) and options.must_not_fund == (lock_out,)
    assert options.department_bounds == {dept: (-1.0, 1.0)}
    with qtbot.waitSignal(dlg.runFinished, timeout=60_000) as blocker:
        dlg.run()
        assert dlg.busy.maximum() == 0   # busy indicator while it runs
    assert blocker.args == [True]
    expected = optimize(P, s.scenario, options)
    greedy = greedy_fill(P, s.scenario, options)
    assert dlg.result.feasible
    assert dlg.result.funded == expected.funded and lock_in in dlg.result.funded and lock_out not in dlg.result.funded
    assert dlg.result.department_changes == expected.department_changes
    assert dlg.result.exact_objective == expected.exact_objective
    assert dlg.greedy.funded == greedy.funded
    assert sorted(r[0] for r in dlg.funded_model.rows) == sorted(expected.funded)
    assert "exact engine" in dlg.summary.text() and "linearized" in dlg.summary.text()
    assert dlg.accept_button.isEnabled()
    n = len(s.scenarios)
    dlg.name.setText("Best set")
    qtbot.mouseClick(dlg.accept_button, Qt.MouseButton.LeftButton)
    assert len(s.scenarios) == n + 1 and s.scenario.name == "Best set"
    assert s.scenario == expected.to_scenario("Best set")
    s.flush()
    assert same_results(s.results, evaluate(P, expected.to_scenario("Best set")))
    s.undo_stack.undo()
    assert len(s.scenarios) == n


def test_optimizer_dialog_strict_names_the_binding_constraint(qtbot, app_window):
    w, panel = app_window
    dlg = panel.open_optimizer()
    qtbot.addWidget(dlg)
    dlg.policy.setCurrentIndex(dlg.policy.findData("strict"))
    with qtbot.waitSignal(dlg.runFinished, timeout=60_000):
        dlg.run()
    assert not dlg.result.feasible and dlg.result.binding
    assert "No feasible set" in dlg.summary.text() and "General Fund" in dlg.summary.text()
    assert not dlg.accept_button.isEnabled()
    assert dlg.policy_list.count() >= 1 and dlg.policy_list.item(0).text().startswith("Binding")
    n = len(w.session.scenarios)
    dlg.close()
    assert len(w.session.scenarios) == n


def test_department_filter_and_sorting(app_window):
    w, panel = app_window
    depts = panel.departments()
    panel.department.setCurrentText(depts[0])
    shown = {panel.proxy.index(r, RequestsModel.DEPT).data() for r in range(panel.proxy.rowCount())}
    assert shown == {depts[0]}
    assert panel.count.text().startswith(f"{panel.proxy.rowCount()} of ")
    panel.department.setCurrentIndex(0)
    assert panel.proxy.rowCount() == panel.model.rowCount()
    panel.table.sortByColumn(RequestsModel.COST, Qt.SortOrder.DescendingOrder)
    costs = [panel.model.costs[panel.proxy.mapToSource(panel.proxy.index(r, 0)).row()].sum()
             for r in range(panel.proxy.rowCount())]
    assert costs == sorted(costs, reverse=True)


def test_renaming_a_funded_request_renames_it_in_every_scenario(app_window):
    w, panel = app_window
    s = w.session
    rid = s.prepared.request_ids[0]
    s.edit_scenario(s.scenario.fund_request(rid), "fund")
    rec = get_request(s.dataset, rid)
    panel.select_request(rid)
    panel._edit(rid, rec.with_changes(request_id="REQ-RENAMED-1"))
    assert s.scenario.funded_requests == ("REQ-RENAMED-1",)
    assert panel.selected_id() == "REQ-RENAMED-1"
    s.flush()
    assert s.results.unknown_requests == [] and s.results.requests.ids == ["REQ-RENAMED-1"]
    s.undo_stack.undo()
    s.flush()
    assert s.scenario.funded_requests == (rid,) and s.results.requests.ids == [rid]


def test_export_keeps_a_dotted_department_name_whole(app_window, tmp_path):
    """"St. Services" must give "St. Services justification.xlsx", not "St.xlsx" (suffix swapped)."""
    from ui.requests.export import JustificationExportTask

    w, _panel = app_window
    s = w.session
    out = tmp_path / "out"
    out.mkdir()
    task = JustificationExportTask(s.prepared, s.scenario, ["St. Services"], out)
    task.run()
    assert sorted(p.name for p in out.iterdir()) == ["St. Services justification.pdf",
                                                     "St. Services justification.xlsx"]
    assert sorted(task.written) == sorted(str(p) for p in out.iterdir())
