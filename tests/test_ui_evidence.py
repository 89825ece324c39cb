"""The Evidence tab (issue 14) on the real main window and the sample city (pytest-qt, headless):
the KPIs and recommendations the evidence API computes, "Use the estimate" moving the KPI
projection of the KPIs tab by what SPEC's KPI formula says (computed here by hand) and undo
restoring it exactly, the export's Drivers sheet, the KPI review's filter, copy and workbook, the
pool toggle, the empty state, and no work while the tab is hidden."""

from __future__ import annotations

import json
import math

import numpy as np
import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from kcplanner.evidence import estimate_evidence
from kcplanner.scenario import Rule, Scenario, Target, load_scenario
from tests.conftest_ui import *  # noqa: F401,F403 - fixtures
from ui.evidence import choices
from ui.evidence.view import NO_HISTORY, EvidencePanel


@pytest.fixture(scope="module")
def sample_evidence(sample_loaded):
    _project, prepared, _report = sample_loaded
    return estimate_evidence(prepared.dataset)


def show_evidence(qtbot, w) -> EvidencePanel:
    w.tabs.setCurrentWidget(w.evidence)
    qtbot.waitUntil(lambda: w.evidence.ev is not None and not w.evidence.busy, timeout=60_000)
    return w.evidence


def test_the_tab_is_after_review_and_does_nothing_while_hidden(qtbot, loaded):
    w = loaded
    texts = [w.tabs.tabText(i) for i in range(w.tabs.count())]
    assert texts[-4:] == ["Review", "Evidence", "Stories", "History"]
    assert w.evidence.runs == 0 and w.evidence.ev is None  # loaded, never shown: no estimate ran
    panel = show_evidence(qtbot, w)
    assert panel.runs == 1 and panel.stack.currentIndex() == 1
    w.tabs.setCurrentWidget(w.overview)
    row = next(r for _i, r in panel.ev.drivers.iterrows() if choices.usable(r) and r["kpi"] == panel.kpi.currentData())
    filled = []
    panel.by_kpi.model.modelReset.connect(lambda: filled.append(1))
    panel.by_kpi.model.dataChanged.connect(lambda *_: filled.append(1))
    choices.use_estimates(w.session, [row], "use")  # an edit while the tab is hidden: the page only notes it
    assert filled == [] and panel.by_kpi._scenario_stale
    w.tabs.setCurrentWidget(w.evidence)
    assert panel.runs == 1  # shown again, same data: nothing recomputed
    assert filled and "(estimated)" in [r[9] for r in panel.by_kpi.model.rows][panel.by_kpi.driver_labels.index(row.name)]


def test_the_kpis_and_recommendations_are_the_evidence_apis(qtbot, loaded, sample_evidence):
    panel = show_evidence(qtbot, loaded)
    ev = sample_evidence
    rows = {r[0]: r for r in panel.review.model.rows}
    assert list(rows) == [str(k) for k in ev.kpis.index]
    for kid, k in ev.kpis.iterrows():
        r = rows[str(kid)]
        assert r[3] == k["years"] and r[9] == k["recommendation"] and r[10] == k["reasons"]
        assert r[4] == pytest.approx(k["completeness"]) and (r[7] is None) == (k["responsive"] is None)
        if k["volatility"] is not None and not math.isnan(k["volatility"]):
            assert r[5] == pytest.approx(k["volatility"])
    items = [panel.kpi.itemText(i) for i in range(panel.kpi.count())]
    assert items == [f"{k} {r['name']} — {r['recommendation']}" for k, r in ev.kpis.iterrows()]
    # every recommendation the sample was built to show is there
    kinds = {str(r).split(" with ")[0] for r in ev.kpis["recommendation"]}
    assert {"improve data", "add a driver", "no evidence that spending moves it", "review target", "keep"} <= kinds
    # the chosen KPI's drivers: the API's figures and its sentence
    kid = next(k for k in ev.kpis.index if (ev.drivers["kpi"] == k).sum() >= 2)
    panel.show_kpi(kid)
    mine = ev.drivers[ev.drivers["kpi"] == kid]
    figures = panel.by_kpi.model.rows
    assert [f[2] for f in figures] == list(mine["n"]) and len(figures) == len(mine)
    assert figures[0][3] == pytest.approx(mine["estimate"].iloc[0], nan_ok=True)
    from kcplanner.evidence import driver_sentence

    assert panel.by_kpi.sentence.text() == driver_sentence(mine.iloc[0]).replace("&", "&amp;")


def usable_driver(ev, prepared, department_rule: bool = True):
    """(kpi row index, driver row of the evidence) of the first estimated driver whose estimate
    moves its KPI's projection under "+10% on its department" (by hand, below)."""
    for _i, r in ev.drivers.iterrows():
        if not choices.usable(r):
            continue
        k = prepared.kpi_ids.index(r["kpi"])
        dept = str(r["department"])
        if not np.allclose(by_hand(prepared, k, dept, {}), by_hand(prepared, k, dept, {r["program"]: r["estimate"]}),
                           rtol=1e-6):
            return k, r
    raise AssertionError("the sample has no estimated driver to use")


def by_hand(prepared, k: int, department: str, overrides: dict) -> np.ndarray:
    """SPEC's K for KPI k under "+10% on `department`": x = 0.1 for every driver of that department
    (its program or the whole department) in the years t with t − lag ≥ y1, else 0; e = el·x, with a
    Max effect m: m·tanh(e/m); K = K0u·(1 + Σe) clamped to [Minimum, Maximum].  Elasticities from
    the plan's Drivers table unless overridden (by program, None = the whole department)."""
    plan = prepared.dataset.plan
    kid = prepared.kpi_ids[k]
    total = np.zeros(5)
    t = np.arange(5)
    for _i, d in plan.drivers.iterrows():
        if str(d["kpi_id"]).strip().casefold() != kid.casefold() or str(d["department"]) != department:
            continue
        program = None if d["program"] is None or d["program"] != d["program"] else str(d["program"])
        el = float(overrides.get(program, d["elasticity"]))
        e = el * np.where(t - int(d["lag"]) >= 0, 0.1, 0.0)
        m = d["max_effect"]
        if m is not None and m == m:
            m = abs(float(m))
            e = m * np.tanh(e / m) if m > 0 else np.zeros(5)
        total += e
    K = prepared.K0u[k] * (1.0 + total)
    lo, hi = prepared.kpi_min[k], prepared.kpi_max[k]
    K = np.where(~np.isnan(lo) & (K < lo), lo, K)
    return np.where(~np.isnan(hi) & (K > hi), hi, K)


def test_use_the_estimate_moves_the_kpi_projection_and_undo_restores_it(qtbot, loaded, sample_evidence):
    w = loaded
    s = w.session
    panel = show_evidence(qtbot, w)
    k, row = usable_driver(sample_evidence, s.prepared)
    dept = str(row["department"])
    s.edit_scenario(s.scenario.add_rule(Rule("up", Target(department=dept), "percent", 10)), "up 10%")
    s.flush()
    cell = w.kpis.cells[k]
    before = cell.scenario.getData()[1].copy()
    np.testing.assert_allclose(before, by_hand(s.prepared, k, dept, {}), rtol=1e-9)

    panel.show_kpi(row["kpi"])
    page = panel.by_kpi
    page.table.selectRow([str(page.model.rows[j][0]) for j in range(page.model.rowCount())].index(row["spending"]))
    assert page.use.isEnabled() and not page.back.isEnabled()
    steps = s.undo_stack.count()
    page.use.click()
    s.flush()
    assert s.undo_stack.count() == steps + 1
    (o,) = s.scenario.driver_overrides
    assert (o.elasticity, o.low, o.high) == (row["estimate"], row["low"], row["high"])
    assert o.n == row["n"] and o.first_year == row["first_year"] and not o.pooled
    after = cell.scenario.getData()[1]
    expected = by_hand(s.prepared, k, dept, {row["program"]: float(row["estimate"])})
    np.testing.assert_allclose(after, expected, rtol=1e-9)
    assert not np.allclose(after, before)
    shown = page.model.rows[page.table.currentIndex().row()][9]
    assert shown.startswith(f"{row['estimate']:.3f}"[:5]) and "estimated" in shown
    assert page.back.isEnabled() and not page.use.isEnabled()

    s.undo_stack.undo()
    s.flush()
    assert np.array_equal(cell.scenario.getData()[1], before)  # exactly
    assert s.scenario.driver_overrides == () and page.use.isEnabled()
    s.undo_stack.redo()
    page.back.click()  # "Back to entered value": its own undo step
    s.flush()
    assert s.scenario.driver_overrides == () and s.undo_stack.count() == steps + 2
    assert np.array_equal(cell.scenario.getData()[1], before)


def test_all_drivers_of_a_goal_is_one_undo_step(qtbot, loaded, sample_evidence):
    s = loaded.session
    panel = show_evidence(qtbot, loaded)
    _k, row = usable_driver(sample_evidence, s.prepared)
    panel.show_kpi(row["kpi"])
    steps = s.undo_stack.count()
    expected = [r for _i, r in choices.goal_rows(sample_evidence.drivers, row["goal_id"]).iterrows() if choices.usable(r)]
    assert panel.by_kpi.use_goal_estimates() == len(expected) >= 2
    assert s.undo_stack.count() == steps + 1 and len(s.scenario.driver_overrides) == len(expected)
    assert {o.kpi for o in s.scenario.driver_overrides} == {r["kpi"] for r in expected}
    s.undo_stack.undo()
    assert s.scenario.driver_overrides == ()


def test_the_exported_drivers_sheet_and_the_scenario_file_keep_the_estimate(qtbot, loaded, sample_evidence, tmp_path):
    w = loaded
    panel = show_evidence(qtbot, w)
    _k, row = usable_driver(sample_evidence, w.session.prepared)
    choices.use_estimates(w.session, [row], "use")
    w.session.flush()
    out = tmp_path / "council.xlsx"
    with qtbot.waitSignal(w.exportFinished, timeout=60_000):
        assert w.export_scenario(str(out)) is not None
    rows = [[c.value for c in r] for r in openpyxl.load_workbook(out, read_only=True)["Drivers"].iter_rows()]
    head = rows[0]
    program = row["program"] or "(whole department)"
    mine = next(dict(zip(head, r)) for r in rows[1:] if r[0] == row["kpi"] and r[3] == program)
    label = w.session.prepared.label
    assert mine["Source"] == (f"estimated ({row['n']} years, {label(int(row['first_year']))}–"
                              f"{label(int(row['last_year']))})")
    # xlsxwriter writes 16 significant digits
    assert mine["Elasticity"] == pytest.approx(row["estimate"], rel=1e-15)
    assert mine["Elasticity low"] == pytest.approx(row["low"], rel=1e-15)
    assert mine["Elasticity high"] == pytest.approx(row["high"], rel=1e-15)
    others = [r for r in rows[1:] if not (r[0] == row["kpi"] and r[3] == program)]
    assert others and all(r[head.index("Source")] == "entered" for r in others)
    # the scenario file: saved with the overrides, opened back the same
    path = tmp_path / "s.json"
    w.save_scenario_as(str(path))
    data = json.loads(path.read_text())
    assert len(data["driver_overrides"]) == 1 and data["driver_overrides"][0]["elasticity"] == row["estimate"]
    assert load_scenario(path).driver_overrides == w.session.scenario.driver_overrides
    assert panel.ev is not None


def test_the_review_filters_copies_and_exports(qtbot, loaded, sample_evidence, tmp_path):
    panel = show_evidence(qtbot, loaded)
    page = panel.review
    panel.pages.setCurrentWidget(page)
    i = page.recommendation.findData("no evidence that spending moves it")
    page.recommendation.setCurrentIndex(i)
    want = [str(k) for k, r in sample_evidence.kpis.iterrows() if r["recommendation"] == "no evidence that spending moves it"]
    assert [page.model.rows[page.proxy.mapToSource(page.proxy.index(r, 0)).row()][0]
            for r in range(page.proxy.rowCount())] == want and want
    page.recommendation.setCurrentIndex(0)
    page.filter.setText(want[0])
    assert page.proxy.rowCount() >= 1
    page.filter.clear()
    page.table.sortByColumn(3, Qt.SortOrder.AscendingOrder)  # years: numbers sort as numbers
    years = [page.proxy.index(r, 3).data(Qt.ItemDataRole.UserRole + 1) for r in range(page.proxy.rowCount())]
    assert years == sorted(years)
    page.table.selectRow(0)
    text = page.copy()
    assert QGuiApplication.clipboard().text() == text
    lines = text.splitlines()
    assert lines[0].split("\t")[:5] == ["KPI ID", "KPI", "Goal", "Years", "Completeness"]
    first = page.model.rows[page.proxy.mapToSource(page.proxy.index(0, 0)).row()]
    cells = lines[1].split("\t")
    assert len(lines) == 2 and cells[0] == first[0] and int(cells[3]) == first[3]
    assert cells[4] == ("" if first[4] is None else repr(first[4]))  # the raw number, not "100%"
    out = tmp_path / "kpi-review.xlsx"
    with qtbot.waitSignal(page.exported, timeout=60_000):
        page.export(str(out))
    ws = openpyxl.load_workbook(out, read_only=True)["KPI review"]
    ids = [r[0] for r in ws.iter_rows(min_row=2, values_only=True) if r[0]]
    assert ids[:len(sample_evidence.kpis)] == [str(k) for k in sample_evidence.kpis.index]


def test_the_pool_toggle_recomputes_with_pooling(qtbot, loaded):
    panel = show_evidence(qtbot, loaded)
    panel.pool.setChecked(True)
    qtbot.waitUntil(lambda: panel.ev is not None and panel.ev.pool == "goal" and not panel.busy, timeout=60_000)
    assert panel.runs == 2 and "pooled within goals" in panel.status.text()
    pooled = estimate_evidence(loaded.session.dataset, pool="goal").drivers["pooled"].to_numpy(dtype=float)
    np.testing.assert_allclose(panel.ev.drivers["pooled"].to_numpy(dtype=float), pooled, equal_nan=True)
    # "Use the estimate" on a pooled driver: the pooled value, its interval pooled ± t(0.90, n − m − 1)·pooled_se
    from scipy import stats

    d = panel.ev.drivers
    i = next(i for i, r in d.iterrows() if np.isfinite(r["pooled"]) and choices.usable(r))
    r = d.loc[i]
    m = int((d["kpi"] == r["kpi"]).sum())
    t = stats.t.ppf(0.90, int(r["n"]) - m - 1)
    choices.use_estimates(loaded.session, [r], "use pooled")
    (o,) = loaded.session.scenario.driver_overrides
    assert o.pooled and o.elasticity == r["pooled"]
    assert o.low == pytest.approx(r["pooled"] - t * r["pooled_se"], rel=1e-9)
    assert o.high == pytest.approx(r["pooled"] + t * r["pooled_se"], rel=1e-9)
    panel.pool.setChecked(False)
    assert panel.ev.pool is None and panel.runs == 2  # the unpooled evidence was kept


def test_without_history_the_tab_says_how_to_add_it(qtbot, window):
    from kcplanner.engine import prepare
    from tests.test_driver_overrides import small_city

    window.session.set_data(prepare(small_city()))
    window.tabs.setCurrentWidget(window.evidence)
    qtbot.waitUntil(lambda: not window.evidence.busy and window.evidence.runs == 1, timeout=30_000)
    qtbot.waitUntil(lambda: window.evidence.empty.text() == NO_HISTORY, timeout=30_000)
    assert window.evidence.stack.currentIndex() == 0 and "KPI Actuals" in NO_HISTORY
    assert not window.evidence.kpi.isEnabled()


def test_a_scenario_file_with_a_bad_override_is_refused_with_its_reason(qtbot, loaded, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"name": "bad", "driver_overrides": [
        {"kpi": "PS-01", "department": "Police", "program": "Patrol", "elasticity": -0.2, "low": 0.1, "high": -0.3}]}))
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: shown.append(a[2]))
    n = len(loaded.session.scenarios)
    loaded.open_scenario(str(path))
    assert len(loaded.session.scenarios) == n
    assert shown and "driver_overrides[0] (driver PS-01 ← Police / Patrol): low 0.1 is above high -0.3" in shown[0]


def test_an_empty_scenario_is_still_the_baseline(loaded):
    s = loaded.session
    assert s.results_for(Scenario("x")) is s.baseline
