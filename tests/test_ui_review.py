"""The Review tab (ui/review): the real MainWindow with the sample city and its actuals
(tests/review_panel_data.py), every figure compared with kcplanner.review computed here."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import Qt

from kcplanner.engine import prepare
from kcplanner.review import burn_up, review
from tests.conftest_ui import *  # noqa: F401,F403 - fixtures
from tests.conftest_ui import SAMPLE_LINES
from tests.review_panel_data import sample_with_actuals
from ui.common.models import AMBER, RED, SORT_ROLE
from ui.review import view as review_view
from ui.review.view import ReviewPanel

FLAG_WORDS = {None: "", "over": "over budget", "under": "under-spent", "short": "revenue short"}


@pytest.fixture(scope="module")
def review_dataset(sample_loaded):
    """The sample with its actuals, and FY2026 targets (the sample's targets start in the plan's
    first year) so that KPIs are met or not."""
    _project, prepared, _report = sample_loaded
    ds = sample_with_actuals(prepared.dataset, SAMPLE_LINES)
    targets = ds.plan.kpi_targets.copy()
    targets.insert(0, 2026, targets[2027])
    plan = dataclasses.replace(ds.plan, kpi_targets=targets)
    return dataclasses.replace(ds, plan=plan)


@pytest.fixture
def panel(window, review_dataset, monkeypatch) -> ReviewPanel:
    monkeypatch.setattr(review_view, "FAST_MS", math.inf)  # every review on the GUI thread: deterministic
    window.session.set_data(prepare(review_dataset))
    window.tabs.setCurrentWidget(window.review)
    return window.review


def rows_of(panel_model, proxy=None) -> list[tuple]:
    """The rows in the order shown (through the proxy when given)."""
    if proxy is None:
        return list(panel_model.rows)
    return [panel_model.rows[proxy.mapToSource(proxy.index(i, 0)).row()] for i in range(proxy.rowCount())]


def expected_departments(r) -> pd.DataFrame:
    """Department figures computed here with plain pandas from the review's groups."""
    s = r.spending.assign(expected=r.spending["share"] * r.spending["budget"].fillna(0))
    g = s.groupby("department", observed=True)[["budget", "actual", "projection", "variance", "expected"]].sum()
    return g


def check_departments(panel, r) -> None:
    g = expected_departments(r)
    rows = {row[0]: row for row in panel.summary.rows}
    assert set(rows) == {str(d) for d in r.departments.index} == {str(d) for d in g.index}
    for dept, x in g.iterrows():
        name, flag, budget, actual, spent, share, projection, variance = rows[str(dept)]
        assert budget == pytest.approx(x["budget"]) and actual == pytest.approx(x["actual"])
        assert projection == pytest.approx(x["projection"]) and variance == pytest.approx(x["variance"])
        assert spent == pytest.approx(x["actual"] / x["budget"])
        assert share == pytest.approx(x["expected"] / x["budget"])
        assert flag == FLAG_WORDS[r.departments.loc[dept, "flag"]]


def test_the_review_tab_is_registered_before_history(window):
    texts = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert texts[-4:] == ["Review", "Evidence", "Stories", "History"] and texts.index("Review") == texts.index("Compare") + 1
    assert isinstance(window.review, ReviewPanel)
    view = next(a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == "View")
    keys = {a.text(): a.shortcut().toString() for a in view.actions()}
    assert keys["Review"] == "Ctrl+9" and keys["Compare"] == "Ctrl+8"
    assert window.project_controller.history_action.shortcut().toString() == "Ctrl+H"  # Ctrl+9 was taken
    assert window.review.stack.currentIndex() == 0  # nothing loaded: a message, not a table
    window.tabs.setCurrentWidget(window.review)
    assert "Open a budget" in window.review.empty.text()


def test_the_table_shows_the_review_and_flags_in_words(panel, review_dataset, qtmodeltester):
    r = review(review_dataset)
    assert (r.fiscal_year, r.through) == (2026, 6)
    assert panel.current.through_label == "FY2026 P06" and panel.stack.currentIndex() == 1
    assert panel.period.currentText() == "FY2026 Q2 (through P06)"
    assert [panel.period.itemText(i) for i in range(3)] == ["FY2026 P01", "FY2026 P02", "FY2026 Q1 (through P03)"]
    check_departments(panel, r)
    flags = r.departments["flag"]
    assert flags.get("Police") == "over" and flags.get("Parks and Recreation") == "under"  # the sample's story
    m = panel.summary
    row = [x[0] for x in m.rows].index("Police")
    assert m.headerData(1, Qt.Orientation.Horizontal) == "Flag"
    assert m.data(m.index(row, 1)) == "over budget" and m.data(m.index(row, 1), Qt.ItemDataRole.ForegroundRole).color() == RED
    assert m.data(m.index(row, 2)) == "${:,.0f}".format(r.departments.loc["Police", "budget"])
    assert m.data(m.index(row, 2), Qt.ItemDataRole.ForegroundRole) is None  # only the flag is coloured
    row = [x[0] for x in m.rows].index("Parks and Recreation")
    assert m.data(m.index(row, 1)) == "under-spent"
    assert m.data(m.index(row, 1), Qt.ItemDataRole.ForegroundRole).color() == AMBER
    for model in (panel.summary, panel.revenue, panel.kpi, panel.bought):
        qtmodeltester.check(model)
    for view in ("program", "fund"):
        panel.set_view(view)
        qtmodeltester.check(panel.summary)


def test_by_program_and_by_fund(panel, review_dataset):
    r = review(review_dataset)
    panel.set_view("program")
    got = {(x[0], x[1]): x for x in panel.summary.rows}
    assert len(got) == len(r.programs)
    for (dept, prog), x in r.programs.iterrows():
        row = got[(str(dept), str(prog))]
        assert row[3] == pytest.approx(x["budget"]) and row[7] == pytest.approx(x["projection"])
        assert row[2] == FLAG_WORDS[x["flag"]]
    panel.set_view("fund")
    got = {x[0]: x for x in panel.summary.rows}
    for fund, x in r.funds.iterrows():
        if np.isnan(x["expenditure_budget"]) and np.isnan(x["expenditure_actual"]):
            assert str(fund) not in got
            continue
        row = got[str(fund)]
        assert row[2] == pytest.approx(x["expenditure_budget"]) and row[3] == pytest.approx(x["expenditure_actual"])
        assert row[7] == pytest.approx(x["expenditure_variance"]) and row[1] == FLAG_WORDS[x["expenditure_flag"]]
    assert panel.selected() == (None, None)


def test_changing_the_period_changes_the_figures_and_is_cached(panel, review_dataset, monkeypatch):
    before = [x[3] for x in panel.summary.rows]
    calls = []
    real = review_view.review
    monkeypatch.setattr(review_view, "review", lambda *a, **k: calls.append(a[1:] + tuple(k.values())) or real(*a, **k))
    with_signal = []
    panel.reviewShown.connect(with_signal.append)
    panel.set_period(2026, 3)
    r3 = review(review_dataset, fiscal_year=2026, through=3)
    assert panel.current.through == 3 and with_signal[-1] is panel.current
    check_departments(panel, r3)
    assert [x[3] for x in panel.summary.rows] != before
    assert "P03" in panel.chart.title.text()
    panel.set_period(2026, 6)  # the default: cached on show
    panel.set_period(2026, 3)  # cached now
    assert len(calls) == 1
    # a scenario edit does not touch the review (it reads the dataset only)
    s = panel.session
    s.edit_scenario(s.scenario.with_funded_requests(s.prepared.request_ids[:1]), "Fund a request")
    s.flush()
    assert len(calls) == 1 and panel.current.through == 3
    with pytest.raises(ValueError, match="not a period"):
        panel.set_period(2026, 9)


def test_sorting_and_filtering(panel, review_dataset, qtbot):
    r = review(review_dataset)
    t, proxy = panel.summary_table, panel.summary_proxy
    t.sortByColumn(7, Qt.SortOrder.DescendingOrder)  # variance, largest first
    shown = [x[0] for x in rows_of(panel.summary, proxy)]
    assert shown == [str(d) for d in r.departments["variance"].sort_values(ascending=False).index]
    assert proxy.index(0, 7).data(SORT_ROLE) == pytest.approx(r.departments["variance"].max())
    panel.filter.setText("pol")
    assert [x[0] for x in rows_of(panel.summary, proxy)] == ["Police"]
    panel.filter.clear()
    panel.flagged.setChecked(True)
    flagged = {str(d) for d, f in r.departments["flag"].items() if f}
    assert {x[0] for x in rows_of(panel.summary, proxy)} == flagged and len(flagged) >= 3
    rev = {(x[0], x[1]) for x in rows_of(panel.revenue, panel.revenue_proxy)}
    assert rev == {(str(a), str(b)) for a, b, f in zip(r.revenue["fund"], r.revenue["source"], r.revenue["flag"]) if f}
    assert ("General Fund", "Sales Tax") in rev
    panel.flagged.setChecked(False)
    panel.set_view("program")
    panel.department.setCurrentIndex(panel.department.findData("Health"))
    progs = rows_of(panel.summary, panel.summary_proxy)
    assert {x[0] for x in progs} == {"Health"}
    assert len(progs) == len([d for d, _p in r.programs.index if d == "Health"])
    assert {x[0] for x in rows_of(panel.bought, panel.bought_proxy)} == {"Health"}
    # the burn-up follows the department filter when no row is chosen
    assert panel.selected() == ("Health", None)
    pd.testing.assert_frame_equal(panel.chart.data, burn_up(r, department="Health"))


def test_the_burn_up_chart_holds_burn_up(panel, review_dataset):
    r = review(review_dataset)
    city = burn_up(r)
    pd.testing.assert_frame_equal(panel.chart.data, city)
    proxy = panel.summary_proxy
    row = next(i for i in range(proxy.rowCount()) if proxy.index(i, 0).data() == "Police")
    panel.summary_table.selectRow(row)
    b = burn_up(r, department="Police")
    pd.testing.assert_frame_equal(panel.chart.data, b)
    x, y = panel.chart.actual.getData()
    assert list(x) == [1, 2, 3, 4, 5, 6]
    assert np.allclose(y, b["actual"].to_numpy()[:6])
    assert np.allclose(panel.chart.expected.getData()[1], b["expected"].to_numpy())
    assert np.allclose(panel.chart.budget.getData()[1], r.departments.loc["Police", "budget"])
    assert np.allclose(panel.chart.projection.getData()[1], r.departments.loc["Police", "projection"])
    assert "Police" in panel.chart.title.text()
    panel.set_view("program")
    proxy = panel.summary_proxy
    panel.summary_table.selectRow(0)
    dept, prog = proxy.index(0, 0).data(), proxy.index(0, 1).data()
    assert panel.selected() == (dept, prog)
    pd.testing.assert_frame_equal(panel.chart.data, burn_up(r, department=dept, program=prog))


def test_revenue_kpis_and_what_the_money_bought(panel, review_dataset):
    r = review(review_dataset)
    rev = {(x[0], x[1]): x for x in panel.revenue.rows}
    assert len(rev) == len(r.revenue)
    for x in r.revenue.itertuples(index=False):
        row = rev[(str(x.fund), str(x.source))]
        assert row[2] == pytest.approx(x.budget) and row[3] == pytest.approx(x.actual)
        assert row[6] == pytest.approx(x.projection) and row[7] == pytest.approx(x.variance)
        assert row[8] == ("too early" if x.too_early and not x.flag else FLAG_WORDS[x.flag])
    names = dict(zip(review_dataset.plan.kpis["kpi_id"], review_dataset.plan.kpis["name"]))
    kpis = {x[0]: x for x in panel.kpi.rows}
    assert len(kpis) == len(r.kpis) > 0
    statuses = set()
    for kid, x in r.kpis.iterrows():
        row = kpis[names[kid]]
        assert row[1] == pytest.approx(x["latest"]) and row[2] == x["period"]
        assert row[3] == pytest.approx(x["target"], nan_ok=True)
        status = "–" if x["met"] is None else "met" if x["met"] else "not met"
        assert row[5] == status
        statuses.add(status)
    assert {"met", "not met"} <= statuses
    # what the money bought: every program, with the KPIs the Drivers sheet links to it
    d = review_dataset.plan.drivers
    bought = {(x[0], x[1]): x for x in panel.bought.rows}
    assert len(bought) == len(r.programs)
    kid, dept, prog = next((k, a, b) for k, a, b in zip(d["kpi_id"], d["department"], d["program"])
                           if isinstance(b, str) and (a, b) in r.programs.index and k in r.kpis.index)
    row = bought[(dept, prog)]
    assert row[3] == pytest.approx(r.programs.loc[(dept, prog), "actual"])
    assert names[kid] in row[6] and r.kpis.loc[kid, "period"] in row[6]


def test_a_review_without_actuals_says_so(window, sample_loaded):
    from kcplanner.dataset import Budget

    _project, prepared, _report = sample_loaded
    ds = prepared.dataset  # the sample without its Actuals sheets: a budget with nothing spent yet
    empty = Budget()
    budget = dataclasses.replace(ds.budget, actuals=empty.actuals, revenue_actuals=empty.revenue_actuals)
    window.tabs.setCurrentWidget(window.review)
    window.session.set_data(prepare(dataclasses.replace(ds, budget=budget)))
    p = window.review
    assert p.stack.currentIndex() == 0 and p.stack.currentWidget() is p.empty
    assert "No spending or revenue actuals: nothing to review" in p.empty.text()
    assert "Actuals sheet" in p.empty.text()
    assert p.summary.rowCount() == 0 and p.period.count() == 0 and not p.period.isEnabled()
    assert p.chart.data is None


def test_the_panel_is_reviewed_when_shown(window, review_dataset, monkeypatch):
    calls = []
    real = review_view.review
    monkeypatch.setattr(review_view, "review", lambda *a, **k: calls.append(1) or real(*a, **k))
    window.tabs.setCurrentWidget(window.overview)
    window.session.set_data(prepare(review_dataset))
    assert calls == [] and window.review.current is None  # hidden: nothing computed
    window.tabs.setCurrentWidget(window.review)
    assert len(calls) >= 1 and window.review.current.through == 6


def test_a_slow_review_runs_on_the_thread_pool(window, review_dataset, monkeypatch, qtbot):
    monkeypatch.setattr(review_view, "FAST_MS", -1.0)  # every review counts as slow
    window.session.set_data(prepare(review_dataset))
    p = window.review
    window.tabs.setCurrentWidget(p)
    assert p.slow and p.current.through == 6
    qtbot.waitUntil(lambda: p.prefetch is None, timeout=30_000)  # the other periods, in the background
    assert {(2026, m) for m in range(1, 7)} <= set(p._cache)
    p._cache.pop((2026, 4))  # not reviewed yet: the worker computes it; the tables keep P06 meanwhile
    with qtbot.waitSignal(p.reviewShown, timeout=30_000) as blocker:
        p.set_period(2026, 4)
        assert p.current.through == 6 and "Reviewing FY2026 P04" in p.messages.text()
    assert blocker.args[0].through == 4 and p.current.through == 4
    check_departments(p, review(review_dataset, fiscal_year=2026, through=4))


def test_the_carry_over_checkbox_follows_the_period_and_is_one_undo_step(panel, qtbot):
    """The panel's checkbox carries the period shown into the scenario (review_carry); the Funds
    figures move by the review's balance change; undo takes it back exactly."""
    session = panel.session
    assert panel.carry_slot.indexOf(panel.carry) == 0 and panel.isAncestorOf(panel.carry)
    r = panel.current
    assert r.through_label in panel.carry.text() and panel.carry.isEnabled() and not panel.carry.isChecked()
    before = session.results.funds.balance.copy()
    qtbot.mouseClick(panel.carry, Qt.MouseButton.LeftButton)
    session.flush()
    assert session.scenario.review_carry == r.through_label and panel.carry.isChecked()
    delta = r.funds["balance_change"].reindex(session.results.funds.names).fillna(0.0).to_numpy()
    moved = session.results.funds.balance - before
    assert np.allclose(moved, delta[:, None], equal_nan=True) and np.nanmax(np.abs(delta)) > 0
    session.undo_stack.undo()
    session.flush()
    assert session.scenario.review_carry is None and not panel.carry.isChecked()
    assert np.array_equal(session.results.funds.balance, before, equal_nan=True)


def test_a_big_ledger_is_reviewed_on_the_thread_pool_from_the_start(window, review_dataset, monkeypatch, qtbot):
    monkeypatch.setattr(review_view, "BIG_ROWS", 0)
    p = window.review
    window.tabs.setCurrentWidget(p)
    with qtbot.waitSignal(p.reviewShown, timeout=30_000) as blocker:
        window.session.set_data(prepare(review_dataset))
        assert p.current is None and p.stack.currentIndex() == 0 and "Reviewing" in p.empty.text()
    assert blocker.args[0].through == 6 and p.stack.currentIndex() == 1 and p.period.count() >= 6
    check_departments(p, review(review_dataset))
    qtbot.waitUntil(lambda: p.prefetch is None, timeout=30_000)
    assert (2026, 2) in p._cache
    window.session.edit_scenario(window.session.scenario.with_funded_requests(()), "nothing")  # no recompute
    assert p.job is None


def test_earlier_years_are_in_the_picker_whole_when_they_have_a_budget(panel, review_dataset):
    from types import SimpleNamespace

    from ui.review.view import period_choices

    texts = [panel.period.itemText(i) for i in range(panel.period.count())]
    assert texts == ["FY2026 P01", "FY2026 P02", "FY2026 Q1 (through P03)", "FY2026 P04", "FY2026 P05",
                     "FY2026 Q2 (through P06)"]  # the sample's earlier years have actuals but no Adopted budget
    amounts = pd.DataFrame(columns=pd.MultiIndex.from_tuples([(2024, "Adopted"), (2025, "Actual"), (2026, "Adopted")]))
    budget = SimpleNamespace(amounts=amounts, actuals=pd.DataFrame({"fiscal_year": [2023, 2024, 2025, 2026]}),
                             revenue_actuals=pd.DataFrame({"fiscal_year": [2022]}))
    latest = SimpleNamespace(fiscal_year=2026, through=2)
    assert period_choices(latest, SimpleNamespace(budget=budget)) == [
        ("FY2026 P01", 2026, 1), ("FY2026 P02", 2026, 2), ("FY2024 Q4 (whole year)", 2024, 12)]


def test_the_quarterly_report_from_the_app(panel, qtbot, tmp_path, monkeypatch):
    """Quarterly report…: the period shown, to the file chosen, on the thread pool; the workbook holds the
    review's figures (read back) and the PDF is written too; the button is off while it writes."""
    from python_calamine import CalamineWorkbook

    r = panel.current
    action = panel.report
    assert action.button.isEnabled() and panel.isAncestorOf(action.button)
    out = tmp_path / "q.xlsx"
    monkeypatch.setattr("ui.review.report_action.QFileDialog.getSaveFileName", lambda *a, **k: (str(out), ""))
    action.button.click()
    assert not action.button.isEnabled() and action.task is not None  # written on the thread pool
    qtbot.waitUntil(lambda: action.task is None, timeout=60_000)
    assert action.button.isEnabled() and f"Wrote the quarterly report {out}" in panel.window().statusBar().currentMessage()
    book = CalamineWorkbook.from_path(str(out))
    police = book.get_sheet_by_name("Police").to_python()
    total = next(row for row in police if row and row[0] == "Police total")
    assert total[3] == pytest.approx(r.departments.loc["Police", "budget"])
    pdf = tmp_path / "q.pdf"
    task = action.write(str(pdf))
    assert task is not None and action.write(str(pdf)) is None  # one at a time
    qtbot.waitUntil(lambda: action.task is None, timeout=60_000)
    assert pdf.read_bytes().startswith(b"%PDF")
