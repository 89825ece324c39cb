"""Issue 19, tables: every panel's table copies its selected rows as tab-separated raw numbers with
headers (checked against figures computed here from the session's dataset and results with pandas);
the allocations total; Compare's better/worse colours; the Rules Problem column and its one-click
fix (undoable); the Funds status of a structural deficit; every table of the window can copy."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QTableView, QTreeView

from kcplanner.engine import compare, evaluate, prepare
from kcplanner.requests import request_records
from kcplanner.scenario import Rule, Scenario, Target
from tests.conftest_ui import *  # noqa: F401,F403 - fixtures
from tests.engine_data import build_dataset
from tests.test_engine_model import line
from tests.test_trust_panels import kpi_dataset
from ui.common import meaning, table_copy
from ui.common.models import RAW_ROLE

SELECT = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows


def _show(qtbot, window, panel):
    window.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(panel.isVisible)
    qtbot.wait(5)


def _select(view, rows, parent=None):
    sel = view.selectionModel()
    sel.clearSelection()
    for r in rows:
        index = view.model().index(r, 0) if parent is None else view.model().index(r, 0, parent)
        sel.select(index, SELECT)


def _ctrl_c(qtbot, view) -> pd.DataFrame:
    """Press Ctrl+C in the view; the clipboard read back as Excel would (numbers as numbers)."""
    QGuiApplication.clipboard().clear()
    view.setFocus()
    view.copy_actions[0].trigger()  # the action Ctrl+C is bound to (WidgetWithChildrenShortcut)
    text = QGuiApplication.clipboard().text()
    assert "\t" in text and "$" not in text.split("\n", 1)[1]  # raw numbers, never "$1,234"
    return pd.read_csv(io.StringIO(text), sep="\t")


def test_line_items_copy_selected_rows_with_raw_amounts(qtbot, loaded):
    w = loaded
    s = w.session
    s.edit_scenario(Scenario("Cut", (Rule("All −5%", Target(), "percent", -5.0),)), "cut")
    s.flush()
    _show(qtbot, w, w.line_items)
    view, m = w.line_items.view, w.line_items.model
    _select(view, [0, 3, 7])
    got = _ctrl_c(qtbot, view)
    lines = [m.line_at(r) for r in (0, 3, 7)]
    li = s.prepared.dataset.budget.line_items.iloc[lines].reset_index(drop=True)
    _, scen = s.results.line_amounts()
    t = s.year
    label = m.headerData(m.CHANGE, Qt.Orientation.Horizontal)
    assert list(got.columns[:5]) == ["Department", "Program", f"Baseline {label[7:]}", f"Scenario {label[7:]}", label]
    assert got["Department"].tolist() == li["department"].astype(str).tolist()
    assert got["Account"].astype(str).tolist() == li["account"].astype(str).tolist()
    base = s.prepared.E0[lines, t]
    np.testing.assert_allclose(got.iloc[:, 2].to_numpy(float), base)
    np.testing.assert_allclose(got.iloc[:, 3].to_numpy(float), scen[lines, t])
    np.testing.assert_allclose(got.iloc[:, 4].to_numpy(float), base * -0.05, rtol=1e-9, atol=1e-6)
    # every year's baseline and scenario follow: 2 + 3 + 4 keys + 8 other amounts
    assert got.shape == (3, 17)


def test_line_items_show_the_selected_year_first(qtbot, loaded):
    w = loaded
    _show(qtbot, w, w.line_items)
    w.session.set_year(2)
    h, m = w.line_items.view.horizontalHeader(), w.line_items.model
    first = [m.headerData(h.logicalIndex(v), Qt.Orientation.Horizontal) for v in range(5)]
    short = m._short(2)
    assert first == ["Department", "Program", f"Baseline {short}", f"Scenario {short}", f"Change {short}"]
    w.session.set_year(0)


def test_requests_copy_five_year_cost(qtbot, loaded):
    w = loaded
    _show(qtbot, w, w.requests)
    view = w.requests.table
    _select(view, [0, 1, 2])
    got = _ctrl_c(qtbot, view)
    P = w.session.prepared
    records = request_records(P.dataset)
    proxy = view.model()
    ids = [proxy.index(r, 2).data() for r in (0, 1, 2)]
    by_id = {r.request_id: r for r in records}
    five_year = pd.DataFrame(P.req_costs, index=list(P.request_ids)).sum(axis=1)
    want = five_year.loc[ids].to_numpy(float)
    assert got["Request ID"].tolist() == ids
    np.testing.assert_allclose(got["Five-year cost"].to_numpy(float), want)
    assert got["Title"].tolist() == [by_id[r].title for r in ids]
    assert set(got["Funded"]) <= {True, False}
    assert list(got.columns[:5]) == ["Funded", "Rank", "Request ID", "Title", "Five-year cost"]


def test_funds_copy_every_fund_and_the_structural_deficit_status(qtbot, loaded):
    w = loaded
    _show(qtbot, w, w.funds)
    view = w.funds.table
    n = view.model().rowCount()
    _select(view, range(n))
    got = _ctrl_c(qtbot, view)
    f, t = w.session.results.funds, w.session.year
    frame = pd.DataFrame({"Fund": f.names, "exp": f.expenditure[:, t], "struct": f.structural[:, t]})
    merged = got.merge(frame, on="Fund")
    assert len(merged) == len(f.names) == n
    assert list(got.columns[:2]) == ["Fund", "Status"]  # the order shown: Status beside the name
    expenditure = next(c for c in got.columns if c.startswith("Expenditure"))
    np.testing.assert_allclose(merged[expenditure].to_numpy(float), merged["exp"].to_numpy(float))
    deficit = f.structural_deficit[:, t] & f.checked
    status = dict(zip(got["Fund"], got["Status"]))
    for name, d in zip(f.names, deficit):
        assert ("structural deficit" in status[name]) == bool(d)


def test_a_structural_deficit_is_not_within_policy(qtbot, window):
    """400 + 1100 − 1000 leaves the reserve within policy, but recurring revenue (900) falls short of
    recurring spending (1000): a structural deficit, shown as worse, never a green "within policy"."""
    lines = [line(prog="Patrol", r2027=1000.0)]
    revenue = [{"fund": "General Fund", "source": "Tax", "amounts": {(2027, "Projected"): 900.0}},
               {"fund": "General Fund", "source": "Grant", "recurring": False,
                "amounts": {(2027, "Projected"): 200.0}}]
    funds = [{"fund": "General Fund", "beginning_balance": 400.0, "reserve_floor": 0.1}]
    P = prepare(build_dataset(lines=lines, revenue=revenue, funds=funds))
    window.session.set_data(P)
    _show(qtbot, window, window.funds)
    r = window.session.results
    assert r.funds.status[0, 0] == "within" and r.funds.structural_deficit[0, 0]
    m = window.funds.model
    text = m.index(0, 8).data()
    assert "structural deficit" in text and "▼" in text
    assert m.index(0, 8).data(Qt.ItemDataRole.ForegroundRole).color() == meaning.WORSE
    items = [window.funds.findings.item(i).text() for i in range(window.funds.findings.count())]
    assert any("General Fund" in x for x in items) and not any("No policy findings" in x for x in items)


def test_funds_findings_follow_the_selected_fund(qtbot, loaded):
    w = loaded
    _show(qtbot, w, w.funds)
    p = w.funds
    findings = w.session.results.findings
    for row in range(p.proxy.rowCount()):
        p.table.selectRow(row)
        name = p.proxy.index(row, 0).data()
        items = [p.findings.item(i).text() for i in range(p.findings.count())]
        mine = [x.message for x in findings if x.fund == name and x.kind != "no_revenue_data"]
        assert items[:len(mine)] == mine and name in p.findings_title.text()


def test_a_hidden_allocations_tab_sums_nothing_until_shown(qtbot, loaded, monkeypatch):
    """A slider moved on another tab costs the Allocations tree nothing; shown, it holds the latest
    results (its fund total equals the engine's expenditure summed with pandas)."""
    from ui.allocations import models as alloc_models

    w, s = loaded, loaded.session
    _show(qtbot, w, w.allocations)
    _show(qtbot, w, w.overview)   # the tree is now hidden
    panel = w.allocations
    calls = []
    real = alloc_models.group_totals
    monkeypatch.setattr(alloc_models, "group_totals", lambda r: (calls.append(1), real(r))[1])
    s.edit_scenario(s.scenario.add_rule(Rule("Cut", Target(fund=s.results.funds.names[0]), "percent", -10.0)), "Cut")
    s.flush()
    assert calls == []
    _show(qtbot, w, w.allocations)
    panel.set_mode("fund")
    t = s.year
    expected = pd.Series(s.results.funds.expenditure[:, t]).sum()
    assert panel.total.model_.rows[0][2] == pytest.approx(expected, rel=1e-9)
    assert calls   # summed once it was needed


def test_allocations_total_sort_filter_and_blanks(qtbot, loaded):
    w = loaded
    s = w.session
    _show(qtbot, w, w.allocations)
    panel = w.allocations
    panel.set_mode("fund")
    t = s.year
    total = panel.total.model_.rows[0]
    by_fund = pd.DataFrame({"fund": s.results.funds.names, "exp": s.results.funds.expenditure[:, t]})
    assert total[2] == pytest.approx(by_fund["exp"].sum(), rel=1e-9)
    assert total[1] == pytest.approx(float(s.prepared.E0[:, t].sum()), rel=1e-9)
    assert panel.total.model_.index(0, 3).data() == ""  # nothing changed: blank, not "$0"
    m = panel.model
    assert m.index(0, 3).data() == "" and m.index(0, 4).data() == ""
    # sorting by the scenario column, descending
    panel.tree.sortByColumn(2, Qt.SortOrder.DescendingOrder)
    values = [m.values(m.node(m.index(r, 0)))[1] for r in range(m.rowCount())]
    assert values == sorted(values, reverse=True)
    # the filter: the matched rows' total
    name = m.index(0, 0).data()
    panel.filter.setText(name)
    panel.apply_filter()
    expected = by_fund.loc[by_fund["fund"] == name, "exp"].sum()
    assert panel.total.model_.rows[0][2] == pytest.approx(expected, rel=1e-9)
    assert not panel.tree.isRowHidden(0, m.index(0, 0).parent())
    panel.filter.clear()
    panel.apply_filter()
    # a copy of rows from two levels: one column per level
    top = m.index(0, 0)
    panel.tree.expand(top)
    _select(panel.tree, [0])
    panel.tree.selectionModel().select(m.index(0, 0, top), SELECT)
    got = _ctrl_c(qtbot, panel.tree)
    assert list(got.columns[:3]) == ["Fund", "Department", "Program"]
    assert got["Fund"].tolist() == [name, name]
    assert got.iloc[0, 4] == pytest.approx(m.values(m.node(top))[1])
    panel.tree.sortByColumn(-1, Qt.SortOrder.AscendingOrder)


def test_compare_names_points_and_better_colour(qtbot, window):
    P = prepare(kpi_dataset())
    window.session.set_data(P)
    s = window.session
    more = Scenario("More patrol", (Rule("Patrol +10%", Target(program="Patrol"), "percent", 10),))
    s.set_scenarios([s.scenario, more], 1, "add")
    _show(qtbot, window, window.compare)
    panel = window.compare
    panel.set_pair(-1, 1)
    m = panel.model
    rows = {(r[0], r[1], r[2]): i for i, r in enumerate(m.rows)}
    i = rows[("kpis", "PS-01", "value")]
    # response time (lower is better) falls: 100 × (1 − 0.4 × 0.1) − 100 = −4: better, blue, ▼
    assert m.rows[i][5] == pytest.approx(-4.0)
    cell = m.index(i, 5)
    assert cell.data(Qt.ItemDataRole.ForegroundRole).color() == meaning.BETTER
    assert cell.data().startswith("▼")
    assert m.index(i, 0).data() == "KPIs" and m.index(i, 1).data() == "PS-01 Response time"
    assert m.index(i, 2).data() == "Value"
    j = rows[("departments", "Police", "expenditure")]
    assert m.index(j, 5).data(Qt.ItemDataRole.ForegroundRole).color() == meaning.NEUTRAL
    k = rows[("funds", "General Fund", "reserve_ratio")]
    assert m.index(k, 2).data() == "Reserve ratio" and m.index(k, 5).data().endswith(" pt")
    # the copy: readable names, raw differences equal to the engine's comparison
    view = panel.table
    _select(view, range(view.model().rowCount()))
    got = _ctrl_c(qtbot, view)
    table = compare(P.baseline_results(), evaluate(P, more)).table
    table = table[(table["fiscal_year"] == P.plan_years[s.year]) & (table["section"] == "kpis")
                  & (table["measure"] == "value") & (table["name"] == "PS-01")]
    row = got[(got["Name"] == "PS-01 Response time") & (got["Measure"] == "Value")]
    assert row["Difference"].iloc[0] == pytest.approx(float(table["difference"].iloc[0]))
    assert "Plan score" in set(got["Section"]) | {"Plan score"}


def test_rules_problem_column_and_the_one_click_fix(qtbot, loaded):
    w = loaded
    s = w.session
    dept = s.prepared.departments.names[0]
    typo = dept[:-1] + ("x" if dept[-1] != "x" else "y")
    s.edit_scenario(Scenario("Typo", (Rule("Cut", Target(department=typo), "percent", -5.0),)), "typo")
    s.flush()
    _show(qtbot, w, w.rules)
    panel = w.rules
    m = panel.model
    problem = m.index(0, m.PROBLEM).data()
    assert typo in problem and f"use '{dept}'" in problem
    panel.view.selectRow(0)
    assert panel.fix.isEnabled() and dept in panel.fix.text()
    n = s.undo_stack.count()
    assert panel.apply_fix()
    s.flush()
    assert s.scenario.rules[0].target == Target(department=dept) and not s.results.invalid_rules
    assert m.index(0, m.PROBLEM).data() == ""
    assert s.undo_stack.count() == n + 1
    s.undo_stack.undo()
    s.flush()
    assert s.scenario.rules[0].target == Target(department=typo)
    # the target editor changes the target, one undoable edit; a new rule the same way
    from ui.rules.target_dialog import RuleDialog

    dlg = RuleDialog(s.prepared, s.scenario.rules[0], panel, target_only=True)
    dlg.keys["department"].setCurrentText(dept)
    assert dlg.problem.text() == ""
    assert panel.edit_target(0, dialog=dlg)
    assert s.scenario.rules[0].target == Target(department=dept)
    add = RuleDialog(s.prepared, None, panel)
    add.keys["department"].setCurrentText(dept)
    add.value.setValue(2.0)
    assert panel.add_rule(dialog=add)
    assert s.scenario.rules[-1].target == Target(department=dept) and s.scenario.rules[-1].value == 2.0
    s.undo_stack.undo()
    assert len(s.scenario.rules) == 1


def _uncopyable(top) -> list[str]:
    views = [v for v in top.findChildren(QAbstractItemView)  # tables and trees; lists and headers are not
             if isinstance(v, (QTableView, QTreeView)) and v.window() is top]
    return [f"{type(v).__name__} in {type(v.parent()).__name__}" for v in views if not v.property(table_copy.INSTALLED)]


def test_every_table_of_the_dialogs_can_copy(qtbot, loaded, tmp_path):
    """The KPI detail, the optimizer, the justification builder and the mapping dialog."""
    from tests.conftest import write_csv
    from ui.mapping.dialog import MappingDialog

    w = loaded
    w.show_kpi(0)
    assert w.kpi_detail.findChildren(QTableView) and not _uncopyable(w.kpi_detail)
    dlg = w.requests.open_optimizer()
    qtbot.addWidget(dlg)
    assert len(dlg.findChildren(QTableView)) >= 3 and not _uncopyable(dlg)
    dlg.close()
    path = write_csv(tmp_path / "city-FY2025-26-adopted.csv", [
        ["Account Type", "Dept", "Unit", "Object", "AMT"], ["Expense", "Police", "Patrol", "Salaries", "1000"]])
    d = MappingDialog(path)
    qtbot.addWidget(d)
    tables = [v for v in d.findChildren(QAbstractItemView) if v.property(table_copy.INSTALLED)]
    assert len(tables) >= 5  # source, preview, totals, excluded rows, problems (and the candidate totals)
    frame = d.preview_model.frame  # the preview copies its raw values
    amount = next(c for c in range(frame.shape[1]) if isinstance(frame.iloc[0, c], (int, float)))
    assert d.preview_model.index(0, amount).data(RAW_ROLE) == frame.iloc[0, amount]


def test_every_table_of_the_window_can_copy(qtbot, loaded):
    w = loaded
    for i in range(w.tabs.count()):  # panels built when first shown are built here
        w.tabs.setCurrentIndex(i)
        qtbot.wait(1)
    views = [v for v in w.findChildren(QAbstractItemView) if isinstance(v, (QTableView, QTreeView))
             and v.window() is w]
    assert len(views) >= 15
    assert not _uncopyable(w)


def test_the_keys_copy_with_and_without_headers(qtbot, loaded):
    """Ctrl+C itself (not only the menu's action): headers first; Ctrl+Shift+C the rows alone."""
    w = loaded
    _show(qtbot, w, w.funds)
    view = w.funds.table
    w.activateWindow()
    view.setFocus()
    qtbot.waitUntil(view.hasFocus)
    _select(view, [0, 1])
    QGuiApplication.clipboard().clear()
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    lines = QGuiApplication.clipboard().text().splitlines()
    assert lines[0].startswith("Fund\tStatus\t") and len(lines) == 3
    f, t = w.session.results.funds, w.session.year
    cells = lines[1].split("\t")
    assert float(cells[2]) == pytest.approx(f.revenue[f.names.index(cells[0]), t])
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert QGuiApplication.clipboard().text().splitlines() == lines[1:]
    qtbot.keyClick(view, Qt.Key.Key_Escape)  # no modifier held for the next tests (selectRow reads them)
    assert QGuiApplication.keyboardModifiers() == Qt.KeyboardModifier.NoModifier


def test_export_selection_writes_numbers(qtbot, loaded, tmp_path, monkeypatch):
    """Export selection… as .xlsx (small: written at once) and .csv (large: on the thread pool)."""
    from ui.common import table_export

    w = loaded
    _show(qtbot, w, w.line_items)
    view, m = w.line_items.view, w.line_items.model
    _select(view, [1, 2])
    out = table_export.export_view(view, table_copy.block, path=str(tmp_path / "lines.xlsx"))
    got = pd.read_excel(out, engine="openpyxl")
    base = w.session.prepared.E0[[m.line_at(1), m.line_at(2)], w.session.year]
    np.testing.assert_allclose(got.iloc[:, 2].to_numpy(float), base)
    monkeypatch.setattr(table_export, "BIG_CELLS", 10)
    done = []
    view.selectionModel().clearSelection()  # nothing selected: every row shown
    task = table_export.export_view(view, table_copy.block, path=str(tmp_path / "lines.csv"), on_done=done.append)
    assert not isinstance(task, str)
    qtbot.waitUntil(lambda: bool(done), timeout=60_000)
    frame = pd.read_csv(done[0], encoding="utf-8-sig")
    assert len(frame) == m.rowCount() and frame.iloc[:, 2].sum() == pytest.approx(
        w.session.prepared.E0[:, w.session.year].sum(), rel=1e-9)


def test_a_table_of_texts_copies_dollar_figures_as_numbers_and_its_row_names(qtbot):
    """A QTableWidget of formatted text (the justification builder's costs): `$1,000` and
    `($2,000.50)` become numbers; the rows' names in the vertical header become the first column."""
    from PySide6.QtWidgets import QTableWidget, QTableWidgetItem

    t = QTableWidget(3, 2)
    qtbot.addWidget(t)
    t.setHorizontalHeaderLabels(["FY27", "FY28"])
    t.setVerticalHeaderLabels(["Cost", "Net", "Note"])
    for r, row in enumerate([["$1,000", "($2,000.50)"], ["-$3", "–"], ["about $1", "5 FTE"]]):
        for c, text in enumerate(row):
            t.setItem(r, c, QTableWidgetItem(text))
    table_copy.install(t)
    for r in (0, 1):
        t.selectionModel().select(t.model().index(r, 0), SELECT)
    got = pd.read_csv(io.StringIO(table_copy.copy_rows(t)), sep="\t", keep_default_na=False)
    assert list(got.columns) == ["Unnamed: 0", "FY27", "FY28"]
    assert got.iloc[:, 0].tolist() == ["Cost", "Net"]
    assert got["FY27"].tolist() == [1000.0, -3.0] and got["FY28"].tolist() == ["-2000.5", ""]  # blank for a dash
    assert table_copy.block(t, all_rows=True).rows[2][1:] == ["about $1", "5 FTE"]
