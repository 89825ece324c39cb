"""Issue 11, silently wrong numbers (the panels): on budget-only data the Overview and Funds panels
say what is missing and give no all-clear; Compare colours a change by whether it is good (a worse
Lower-is-better KPI is worse, orange); the baseline shows the year it comes from; the city is named."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from PySide6.QtCore import Qt

from kcplanner.engine import evaluate, prepare
from kcplanner.engine.fund_data import MISSING_TEXT
from kcplanner.scenario import Rule, Scenario, Target
from tests.conftest import write_xlsx
from tests.conftest_ui import *  # noqa: F401,F403 - fixtures
from tests.conftest_ui import open_accepting_warnings
from tests.engine_data import build_dataset
from tests.test_engine_model import kpi, line
from tests.test_trust_engine import LINE_ITEMS, REQUESTS
from ui.common import fmt
from ui.common.meaning import BETTER, NEUTRAL, WORSE

DISPLAY = Qt.ItemDataRole.DisplayRole
FOREGROUND = Qt.ItemDataRole.ForegroundRole
GREEN_TEXT = "#1b7f3b"


def _show(qtbot, window, panel):
    window.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(panel.isVisible)
    qtbot.wait(5)


def _items(list_widget) -> list[str]:
    return [list_widget.item(i).text() for i in range(list_widget.count())]


@pytest.fixture
def budget_only_window(qtbot, window, tmp_path):
    """The Grand Rapids-like export (FY2017 Adopted, no plan) opened as a user would."""
    path = write_xlsx(tmp_path / "Grand_Rapids_FY17_Adopted.xlsx", {"Line Items": LINE_ITEMS, "Requests": REQUESTS})
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    open_accepting_warnings(qtbot, window, [path])
    yield window
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_overview_on_budget_only_data_says_what_is_missing(qtbot, budget_only_window):
    w = budget_only_window
    _show(qtbot, w, w.overview)
    o = w.overview
    for card in (o.below, o.deficits):
        assert card.value.text() == fmt.DASH          # not "0 of 2" nor "2 of 2"
        assert MISSING_TEXT in card.note.text()
        assert "at or above" not in card.note.text() and "structurally balanced" not in card.note.text()
        assert GREEN_TEXT not in card.value.styleSheet()
    items = _items(o.findings)
    assert any(MISSING_TEXT in t for t in items)
    assert not any("No policy findings" in t or "deficit" in t or "negative" in t for t in items)
    # the baseline names the year it comes from, and the city is named (from the file here)
    assert "FY2016-17 Adopted → FY2017-18 baseline" in o.heading.text()
    assert "Grand Rapids FY17 Adopted" in o.heading.text()
    assert w.windowTitle().startswith("Grand Rapids FY17 Adopted — ")
    assert "FY2016-17 Adopted → FY2017-18 baseline" in w.statusBar().currentMessage()


def test_funds_panel_on_budget_only_data_shows_dashes_and_the_missing_sheets(qtbot, budget_only_window):
    w = budget_only_window
    _show(qtbot, w, w.funds)
    p = w.funds
    assert p.missing.isVisible() and MISSING_TEXT in p.missing.text()
    m = p.model
    names = [m.index(r, 0).data() for r in range(m.rowCount())]
    assert names == ["General Fund", "Water Fund"]
    for r in range(m.rowCount()):
        texts = [m.index(r, c).data(DISPLAY) for c in range(m.columnCount())]
        # Revenue, Ending balance, Reserve ratio, Structural balance: no figure; Expenditure stays
        assert [texts[1], texts[3], texts[4], texts[7]] == [fmt.DASH] * 4
        assert texts[2] != fmt.DASH and texts[8] == "no revenue data"
        assert m.index(r, 8).data(FOREGROUND) is None  # no green "within policy"
    assert texts[2] == fmt.money(300)  # Water Fund, FY2017-18: 300 (no growth without a plan)
    items = _items(p.findings)
    assert not any("every fund is within" in t for t in items)
    assert any(MISSING_TEXT in t for t in items)
    assert MISSING_TEXT in p.title.text() and not p.charts.isVisible()


def test_mixed_funds_give_no_all_clear(qtbot, window):
    lines = [line(prog="Patrol", r2027=1000.0), line(dept="Water Services", prog="Mains", fund="Water Fund",
                                                     r2027=500.0)]
    revenue = [{"fund": "General Fund", "source": "Tax", "amounts": {(2027, "Projected"): 1100.0}}]
    funds = [{"fund": "General Fund", "beginning_balance": 400.0, "reserve_floor": 0.1}]
    P = prepare(build_dataset(lines=lines, revenue=revenue, funds=funds))
    window.session.set_data(P)
    _show(qtbot, window, window.overview)
    o = window.overview
    # General Fund: 400 + 1100 − 1000 = 500 ≥ 10% floor, structural +100: fine; Water Fund: not checked
    assert o.below.value.text() == "0 of 1" and o.deficits.value.text() == "0 of 1"
    for card in (o.below, o.deficits):
        assert "not checked" in card.note.text() and GREEN_TEXT not in card.value.styleSheet()
    assert any("1 of 2 funds have no revenue data" in t and "Water Fund" in t for t in _items(o.findings))
    _show(qtbot, window, window.funds)
    m = window.funds.model
    assert m.index(0, 3).data(DISPLAY) == fmt.money(500) and m.index(1, 3).data(DISPLAY) == fmt.DASH
    assert window.funds.missing.isVisible()
    items = _items(window.funds.findings)  # the selected fund's findings (General Fund: none), never an all-clear
    assert items[0].startswith("No policy findings: General Fund") and "Water Fund" in items[-1]


def kpi_dataset():
    """Police Patrol drives a Lower-is-better response time (−0.4) and a Higher-is-better clearance
    rate (+0.5); Parks Mowing drives a Higher-is-better KPI negatively (−0.2)."""
    lines = [line(prog="Patrol", r2027=1000.0), line(dept="Parks", prog="Mowing", r2027=400.0)]
    kpis = [kpi("PS-01", name="Response time", direction=-1), kpi("PS-02", name="Clearance"),
            kpi("PK-01", name="Complaints handled")]
    drivers = [{"kpi_id": "PS-01", "department": "Police", "program": "Patrol", "elasticity": -0.4},
               {"kpi_id": "PS-02", "department": "Police", "program": "Patrol", "elasticity": 0.5},
               {"kpi_id": "PK-01", "department": "Parks", "program": "Mowing", "elasticity": -0.2}]
    revenue = [{"fund": "General Fund", "source": "Tax", "amounts": {(2027, "Projected"): 1500.0}}]
    funds = [{"fund": "General Fund", "beginning_balance": 100.0}]
    return build_dataset(lines=lines, kpis=kpis, drivers=drivers, revenue=revenue, funds=funds)


def test_compare_colours_a_change_by_whether_it_is_good(qtbot, window):
    P = prepare(kpi_dataset())
    window.session.set_data(P)
    s = window.session
    cut = Scenario("Cut", (Rule("Patrol −10%", Target(program="Patrol"), "percent", -10),
                           Rule("Mowing −10%", Target(program="Mowing"), "percent", -10)))
    s.set_scenarios([s.scenario, cut], 1, "add")
    _show(qtbot, window, window.compare)
    window.compare.set_pair(-1, 1)
    m = window.compare.model
    rows = {(r[0], r[1], r[2]): i for i, r in enumerate(m.rows)}
    base, res = P.baseline_results(), evaluate(P, cut)

    def colour(section, name, measure):
        i = rows[(section, name, measure)]
        return m.index(i, 5).data(FOREGROUND).color()

    # PS-01: 100 × (1 − 0.4 × −0.1) = 104, up: worse for a Lower-is-better KPI → worse (orange)
    k = res.kpis.ids.index("PS-01")
    assert res.kpis.scenario[k, 0] - base.kpis.scenario[k, 0] == pytest.approx(4.0)
    assert m.rows[rows[("kpis", "PS-01", "value")]][5] == pytest.approx(4.0)
    assert colour("kpis", "PS-01", "value") == WORSE
    # PS-02: 100 × (1 + 0.5 × −0.1) = 95, down, Higher is better → worse; PK-01: 100 × 1.02 = 102 → better (blue)
    assert m.rows[rows[("kpis", "PS-02", "value")]][5] == pytest.approx(-5.0)
    assert colour("kpis", "PS-02", "value") == WORSE
    assert m.rows[rows[("kpis", "PK-01", "value")]][5] == pytest.approx(2.0)
    assert colour("kpis", "PK-01", "value") == BETTER
    # spending down by 140 is neither good nor bad; the fund balance up by 140 is good
    assert m.rows[rows[("departments", "Police", "expenditure")]][5] == pytest.approx(-100.0)
    assert colour("departments", "Police", "expenditure") == NEUTRAL
    assert colour("funds", "General Fund", "expenditure") == NEUTRAL
    assert m.rows[rows[("funds", "General Fund", "balance")]][5] == pytest.approx(140.0)
    assert colour("funds", "General Fund", "balance") == BETTER


def test_baseline_labels_show_the_source_year(qtbot, budget_only_window):
    w = budget_only_window
    P = w.session.prepared
    header = w.allocations.model.headerData(1, Qt.Orientation.Horizontal, DISPLAY)
    assert header == "Baseline FY2017-18\n← FY17 Adopted"
    tip = w.allocations.model.headerData(1, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "FY2016-17 Adopted: 100.0% of the dollars, 4 line(s)" in tip
    assert P.baseline_source.detail in w.line_items.model.headerData(
        len(w.line_items.model.KEYS), Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    _show(qtbot, w, w.compare)
    assert w.compare.a.itemText(0) == "Baseline, no rules (FY2016-17 Adopted)"
    assert "FY2016-17 Adopted → FY2017-18 baseline" in w.compare.a.itemData(0, Qt.ItemDataRole.ToolTipRole)
    assert np.isnan(w.session.results.funds.balance).all()


def test_percent_axis_ticks_are_distinct(qtbot):
    """Reserve ratios 0.25 points apart used to read 0%, 0%, 1%, 1%."""
    from ui.common.charts import PercentAxis

    axis = PercentAxis("left")
    assert axis.tickStrings([0.0, 0.0025, 0.005, 0.0075], 1.0, 0.0025) == ["0.00%", "0.25%", "0.50%", "0.75%"]
    assert axis.tickStrings([0.0, 0.2, 0.4], 1.0, 0.2) == ["0%", "20%", "40%"]
