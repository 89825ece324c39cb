"""Charts that read at a glance and cost nothing while hidden (issues 17 "Live" and 19 "Colour and
charts"): the KPI small multiples' round ticks with the unit, one label for a flat series, titles
wrapped rather than cut, better/worse colours by the KPI's direction, no work in a hidden tab, and
updates that keep the same items. Expected figures are computed here, independently of ui/."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QGraphicsScene

from kcplanner.engine import evaluate, prepare
from kcplanner.scenario import Rule, Scenario, Target
from tests.conftest_ui import *  # noqa: F401,F403 - fixtures
from tests.engine_data import build_dataset
from tests.test_engine_model import kpi, line
from ui.common import meaning

FOREGROUND = Qt.ItemDataRole.ForegroundRole


def _show(qtbot, window, panel):
    window.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(panel.isVisible)
    qtbot.wait(5)


def _number(text: str) -> float:
    return float(text.replace(",", "").rstrip("%"))


def _is_round_step(step: float) -> bool:
    """1, 2 or 5 × 10^k, by decimal arithmetic (no float noise)."""
    d = Decimal(repr(step)).normalize()
    digits = d.as_tuple().digits
    return len(digits) == 1 and digits[0] in (1, 2, 5)


def kpi_dataset():
    """Patrol drives a Lower-is-better response time (elasticity −0.4) and a Higher-is-better
    clearance rate (+0.5); PK-01 has no driver and no trend: a flat series at 100."""
    lines = [line(prog="Patrol", r2027=1000.0), line(dept="Parks", prog="Mowing", r2027=400.0)]
    kpis = [kpi("PS-01", name="Response time", direction=-1, unit="minutes"),
            kpi("PS-02", name="Clearance", unit="%", baseline=52.0, trend=0.01),
            kpi("PK-01", name="Complaints handled", unit="complaints")]
    drivers = [{"kpi_id": "PS-01", "department": "Police", "program": "Patrol", "elasticity": -0.4},
               {"kpi_id": "PS-02", "department": "Police", "program": "Patrol", "elasticity": 0.5}]
    revenue = [{"fund": "General Fund", "source": "Tax", "amounts": {(2027, "Projected"): 1500.0}}]
    funds = [{"fund": "General Fund", "beginning_balance": 100.0}]
    return build_dataset(lines=lines, kpis=kpis, drivers=drivers, revenue=revenue, funds=funds)


@pytest.fixture
def small(window):
    P = prepare(kpi_dataset())
    window.session.set_data(P)
    return window


def test_kpi_ticks_are_round_cover_the_values_and_carry_the_unit(qtbot, loaded):
    w = loaded
    _show(qtbot, w, w.kpis)
    r = w.session.results.kpis
    assert len(w.kpis.cells) == len(r.ids) > 40
    for cell in w.kpis.cells:
        k = cell.k
        texts = cell.tick_texts()
        values = np.concatenate([r.baseline[k], r.target[k], r.scenario[k], r.low[k], r.high[k]])
        values = values[np.isfinite(values)]
        lo, hi = values.min(), values.max()
        unit = (r.units[k] or "").strip()
        if unit == "%":
            assert all(t.endswith("%") for t in texts), texts
        elif unit:  # the unit heads the axis, on the line above the top tick
            shown = cell.info.text().split(" · ")[0].rstrip("…")
            assert unit.startswith(shown) and len(shown) >= min(len(unit), 6), (unit, cell.info.text())
        ticks = [_number(t) for t in texts]
        if hi - lo <= 1e-9 * max(abs(hi), 1):
            assert len(ticks) == 1
            continue
        assert 2 <= len(ticks) <= 5, texts
        steps = np.diff(ticks)
        assert np.allclose(steps, steps[0], rtol=1e-6), texts
        assert _is_round_step(float(f"{steps[0]:.10g}")), texts
        assert all(float(f"{t / steps[0]:.9g}").is_integer() for t in ticks), texts  # on the step's grid
        # the axis covers the values and ends within one step of them (no padded ends like 818.2)
        tol = 1e-6 * max(abs(hi), 1)
        assert ticks[0] <= lo + tol and ticks[-1] >= hi - tol, (texts, lo, hi)
        assert ticks[0] > lo - steps[0] - tol and ticks[-1] < hi + steps[0] + tol, (texts, lo, hi)


def test_a_flat_series_shows_its_value_once(qtbot, small):
    w = small
    _show(qtbot, w, w.kpis)
    k = w.session.results.kpis.ids.index("PK-01")
    r = w.session.results.kpis
    assert np.all(r.scenario[k] == 100.0) and np.all(r.baseline[k] == 100.0)
    assert w.kpis.cells[k].tick_texts() == ["100.0"]
    # and the Overview/Funds axes: a flat dollar series has one tick, its value
    import pyqtgraph as pg

    from ui.common import charts
    plot = pg.PlotItem()
    axis = charts.RoundAxis(plot, charts.money_tick)
    axis.fit(np.full(5, 1.25e6), np.full(5, 1.25e6))
    assert axis.ticks == [1.25e6]
    assert [s for _v, s in plot.getAxis("left")._tickLevels[0]] == ["$1.3M"]


def test_titles_wrap_on_two_lines_and_keep_the_unit(qtbot, loaded):
    w = loaded
    w.resize(1280, 720)
    _show(qtbot, w, w.kpis)
    from ui.kpis.cell import PAD, font
    metrics = QFontMetricsF(font("title"))
    wrapped = 0
    for cell in w.kpis.cells:
        text = cell.title.text()
        lines = text.split("\n")
        assert len(lines) <= 2 and "…" not in text, text
        assert " ".join(lines).startswith(cell.title_text), (text, cell.title_text)  # nothing cut: the unit is there
        for ln in lines:
            assert metrics.horizontalAdvance(ln) <= cell.rect.width() - 2 * PAD + 0.5, ln
        wrapped += len(lines) == 2
    assert wrapped > 10  # the sample's long names do wrap at 1280 × 720


def test_lower_is_better_marker_and_an_improvement_is_coloured_better(qtbot, small):
    w = small
    s = w.session
    P = s.prepared
    s.edit_scenario(Scenario(rules=(Rule("Patrol +10%", Target(program="Patrol"), "percent", 10.0),)), "x")
    s.flush()
    _show(qtbot, w, w.kpis)
    expected = evaluate(P, s.scenario).kpis
    base = P.baseline_results().kpis
    k = expected.ids.index("PS-01")
    # 100 × (1 − 0.4 × 0.10) = 96: a fall of a Lower-is-better KPI, an improvement
    assert expected.scenario[k, 0] == pytest.approx(96.0)
    cell = w.kpis.cells[k]
    assert "lower is better" in cell.info.text()
    assert cell.scenario.pen().color() == meaning.BETTER
    assert cell.change.text().startswith("▼ 4.00 better") and cell.change.brush().color() == meaning.BETTER
    # PS-02 (Higher is better) rises: better too; with a cut both are worse (orange, ▲ / ▼ and "worse")
    j = expected.ids.index("PS-02")
    assert "lower is better" not in w.kpis.cells[j].info.text()
    assert expected.scenario[j, 0] > base.scenario[j, 0]
    assert w.kpis.cells[j].scenario.pen().color() == meaning.BETTER
    s.edit_scenario(Scenario(rules=(Rule("Patrol −10%", Target(program="Patrol"), "percent", -10.0),)), "y")
    s.flush()
    assert cell.scenario.pen().color() == meaning.WORSE and cell.change.text().startswith("▲ 4.00 worse")
    # the table view says the same, in its Change column
    w.kpis.as_table.setChecked(True)
    m = w.kpis.table.model_
    row = [r[0] for r in m.rows].index("PS-01")
    col = [h.startswith("Change") for h in m.headers].index(True)
    assert m.rows[row][col].startswith("▲ 4.00") and m.rows[row][col].endswith("worse")
    assert m.index(row, col).data(FOREGROUND).color() == meaning.WORSE
    assert m.index(row, col + 1).data(FOREGROUND) is None
    np.testing.assert_allclose(m.rows[row][-5:], evaluate(P, s.scenario).kpis.scenario[k])
    w.kpis.as_table.setChecked(False)


def test_a_hidden_kpi_tab_does_no_chart_work(qtbot, loaded):
    w, s = loaded, loaded.session
    _show(qtbot, w, w.kpis)
    panel = w.kpis
    before = panel.chart_updates()
    fills = panel.table.rows_filled
    _show(qtbot, w, w.allocations)
    w.allocations.set_mode("fund")
    w.allocations.tree.setCurrentIndex(w.allocations.model.index(0, 0))
    for pct in (2.0, 4.0, 6.0):  # a fund-wide rule moves many KPIs
        w.allocations.set_percent(pct, merge_key=("t", 1))
        s.flush()
    assert panel.chart_updates() == before and panel.table.rows_filled == fills
    # the detail window, once closed, waits too
    w.show_kpi(0)
    dlg = w.kpi_detail
    dlg.close()
    drawn = dlg.scenario.getData()[1].copy()
    w.allocations.set_percent(12.0, merge_key=("t", 2))
    s.flush()
    np.testing.assert_array_equal(dlg.scenario.getData()[1], drawn)
    # shown: drawn once, with the engine's values
    _show(qtbot, w, w.kpis)
    changed = int((np.abs(s.results.kpis.scenario - s.prepared.baseline_results().kpis.scenario) > 0).any(axis=1).sum())
    assert 0 < panel.chart_updates() - before <= len(panel.cells)
    assert changed > 0
    for cell in panel.cells:
        np.testing.assert_allclose(cell.scenario_data()[1], s.results.kpis.scenario[cell.k])
    w.show_kpi(0)
    np.testing.assert_allclose(dlg.scenario.getData()[1], s.results.kpis.scenario[0])


def test_an_update_keeps_the_same_chart_items(qtbot, loaded):
    w, s = loaded, loaded.session
    _show(qtbot, w, w.kpis)
    scene = w.kpis.canvas.scene()
    n_items = len(scene.items())
    ids = [tuple(id(i) for i in c.items + tuple(c.ticks)) for c in w.kpis.cells]
    paths = [c.scenario.path() for c in w.kpis.cells]
    s.edit_scenario(Scenario(rules=(Rule("city +5%", Target(), "percent", 5.0),)), "city")
    s.flush()
    qtbot.wait(5)
    assert len(scene.items()) == n_items
    assert [tuple(id(i) for i in c.items + tuple(c.ticks)) for c in w.kpis.cells] == ids
    assert any(c.scenario.path() != p for c, p in zip(w.kpis.cells, paths))
    # Overview: the same curves and bar labels; the axis is not recomputed for a change that fits it
    _show(qtbot, w, w.overview)
    o = w.overview
    items = (o.spend_scen, o.score_scen, *o.score_labels[1])
    changes = o.spend_axis.changes
    s.edit_scenario(Scenario(rules=(Rule("city +5.1%", Target(), "percent", 5.1),)), "city")
    s.flush()
    assert (o.spend_scen, o.score_scen, *o.score_labels[1]) == items
    assert o.spend_axis.changes == changes
    np.testing.assert_allclose(o.spend_scen.getData()[1], s.results.funds.expenditure.sum(axis=0))


def test_overview_says_when_the_axis_does_not_start_at_zero_and_labels_the_score_bars(qtbot, loaded):
    w, s = loaded, loaded.session
    _show(qtbot, w, w.overview)
    o = w.overview
    spend = s.results.funds.expenditure.sum(axis=0)
    lo, hi = o.spend_axis.range
    assert lo <= spend.min() and hi >= spend.max()
    ticks = o.spend_plot.getAxis("left")._tickLevels
    assert len(ticks) == 2 and ticks[1] == [] and 2 <= len(ticks[0]) <= 5  # major ticks only
    if lo > 0:
        assert f"axis starts at ${lo / 1e9:.2f}B, not 0" in o.spend_plot.titleLabel.text
    score = s.results.kpis.score
    for item, v in zip(o.score_labels[1], score):
        assert item.textItem.toPlainText().startswith(f"{round(v * 100):.0f}%")


def test_funds_reserve_ratio_chart_has_a_legend(qtbot, loaded):
    w = loaded
    _show(qtbot, w, w.funds)
    labels = [label.text for _sample, label in w.funds.ratio_plot.legend.items]
    for name in ("floor", "ceiling", "target", "baseline", "scenario", "policy range"):
        assert name in labels, labels


def test_wrap_breaks_between_words_and_elides_only_past_the_last_line(qapp):
    from ui.kpis.cell import font, wrap
    m = QFontMetricsF(font("title"))
    text = "HC-06 Infant mortality rate (deaths per 1,000 live births)"
    width = m.horizontalAdvance("HC-06 Infant mortality rate (deaths")
    out = wrap(text, m, width)
    assert out.split("\n")[0] == "HC-06 Infant mortality rate (deaths"
    assert out.replace("\n", " ") == text
    narrow = wrap(text, m, m.horizontalAdvance("HC-06 Infant"))
    assert narrow.count("\n") == 1 and narrow.endswith("…")


def test_kpi_cell_updates_in_place_and_keeps_its_axis_in_a_drag(qapp):
    from ui.kpis.cell import KpiCell
    scene = QGraphicsScene()
    cell = KpiCell(0, "X-01 Something (days)", "days", True, [f"FY{y}" for y in range(2027, 2032)], scene)
    cell.set_static(np.array([818.2, 900, 1000, 1100, 1280.0]), np.full(5, np.nan))
    cell.place(QRectF(0, 0, 260, 190))
    cell.set_values(np.array([818.2, 900, 1000, 1100, 1280.0]), np.full(5, np.nan), np.full(5, np.nan))
    assert cell.tick_texts() == ["800", "1,000", "1,200", "1,400"]
    assert cell.info.text() == "days · lower is better"
    axis = cell.tick_texts()
    cell.set_values(np.array([820, 905, 1003, 1105, 1270.0]), np.full(5, np.nan), np.full(5, np.nan))
    assert cell.tick_texts() == axis and cell.updates == 2
    assert math.isclose(cell.scenario_data()[1][-1], 1270.0)


def test_money_axis_labels_major_ticks_only_and_a_repeated_value_once(qapp):
    from ui.common.charts import MoneyAxis
    axis = MoneyAxis("left")
    assert axis.style["maxTickLevel"] == 0 and axis.style["maxTextLevel"] == 0
    # a flat $1.2B series: pyqtgraph's ticks 1.200, 1.201, 1.202 B all read "$1.20B": shown once
    assert axis.tickStrings([1.200e9, 1.201e9, 1.202e9], 1.0, 1e6) == ["$1.20B", "", ""]
    assert axis.tickStrings([1.0e9, 1.5e9, 2.0e9], 1.0, 5e8) == ["$1.00B", "$1.50B", "$2.00B"]
